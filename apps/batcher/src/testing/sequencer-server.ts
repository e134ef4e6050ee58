import { createServer, type Server } from 'node:http'
import { toQuantity } from '@lanes/core'
import { freePort } from '@lanes/test/harness'
import { blockToRangeJson } from '../block-source.js'
import type { FakeSequencer } from './fake-sequencer.js'

/** Serves a FakeSequencer over the sequencer's lanes_* JSON-RPC shape, for cross-process tests. */
export async function serveFakeSequencer(
  seq: FakeSequencer,
  maxBlockRange = 10,
  /** answer lanes_setThrottle (false: -32601, as a sequencer without --admin-rpc) */
  throttle = true,
): Promise<{ url: string; close: () => Promise<void> }> {
  const port = await freePort()
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => {
      body += d
    })
    req.on('end', async () => {
      const { id, method, params } = JSON.parse(body) as {
        id: number
        method: string
        params: string[]
      }
      const reply = (o: object) => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ jsonrpc: '2.0', id, ...o }))
      }
      try {
        if (method === 'lanes_syncStatus') {
          const s = await seq.syncStatus()
          return reply({ result: { sealed: { number: toQuantity(s.sealedHead) } } })
        }
        if (method === 'lanes_getBlockRange') {
          const from = BigInt(params[0]!)
          const to = BigInt(params[1]!)
          if (to - from + 1n > BigInt(maxBlockRange))
            return reply({
              error: {
                code: -32000,
                message: `block range too large: at most ${maxBlockRange} blocks`,
              },
            })
          return reply({ result: (await seq.getBlockRange(from, to)).map(blockToRangeJson) })
        }
        if (method === 'lanes_setThrottle' && throttle) {
          const p = params[0] as string | null
          await seq.setThrottle({ maxBlockTxBytes: p === null ? null : Number(p) })
          return reply({ result: { maxBlockTxBytes: p } })
        }
        reply({
          error: { code: -32601, message: `the method ${method} does not exist/is not available` },
        })
      } catch (e) {
        reply({ error: { code: -32000, message: (e as Error).message } })
      }
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  }
}
