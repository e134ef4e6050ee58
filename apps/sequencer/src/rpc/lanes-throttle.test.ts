import type { Address } from '@lanes/core'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../app.js'
import { Sequencer } from '../sequencer.js'
import { tempDir, testConfig, testGenesis } from '../testing/fixtures.js'
import { signTx, testKey } from '../testing/sign.js'

const KEYS = [testKey(1), testKey(2), testKey(3), testKey(4)]
const CHAIN = 42069n
const TO = '0x00000000000000000000000000000000000000aa' as Address

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function start(adminRpc: boolean): Promise<{ s: Sequencer; app: FastifyInstance }> {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const extra: Record<string, string> = adminRpc ? { '--admin-rpc': 'true' } : {}
  const s = Sequencer.open({
    config: testConfig(t.dir, extra),
    genesis: testGenesis(KEYS),
    autoSeal: false,
  })
  cleanups.push(() => s.close())
  const app = await buildApp({ node: s, config: { rateLimitPerSecond: 0 } })
  cleanups.push(() => app.close())
  return { s, app }
}

async function rpc(app: FastifyInstance, method: string, params: unknown[]) {
  const res = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return JSON.parse(res.body) as { result?: unknown; error?: { code: number; message: string } }
}

/** `perKey` transfers from each key, nonces from `nonce0` */
async function submit(s: Sequencer, perKey: number, nonce0 = 0n): Promise<number> {
  let bytes = 0
  for (let n = 0; n < perKey; n++)
    for (const k of KEYS) {
      const raw = signTx(k, { chainId: CHAIN, nonce: nonce0 + BigInt(n), to: TO, value: 1n })
      bytes = raw.length
      await s.submitRawTransaction(raw)
    }
  return bytes
}

const txBytes = (s: Sequencer, n: bigint) =>
  s.blockRange(n, n)[0]!.txs.reduce((a, t) => a + ('raw' in t ? t.raw.length : 0), 0)

describe('lanes_setThrottle', () => {
  it('caps the signed tx bytes of each block while set, and lifts the cap with null', async () => {
    const { s, app } = await start(true)
    const one = await submit(s, 5) // 20 txs waiting
    const cap = one * 3 + 10 // room for 3 txs
    expect(await rpc(app, 'lanes_setThrottle', [`0x${cap.toString(16)}`])).toMatchObject({
      result: { maxBlockTxBytes: `0x${cap.toString(16)}` },
    })
    const b1 = await s.sealNext()
    const b2 = await s.sealNext()
    expect(b1!.txs).toHaveLength(3)
    expect(b2!.txs).toHaveLength(3)
    for (const b of [b1!, b2!]) expect(txBytes(s, b.header.number)).toBeLessThanOrEqual(cap)
    expect(await rpc(app, 'lanes_setThrottle', [null])).toMatchObject({
      result: { maxBlockTxBytes: null },
    })
    const b3 = await s.sealNext()
    expect(b3!.txs).toHaveLength(14) // the rest in one block again
  })

  it('still moves a tx larger than the cap, one per block', async () => {
    const { s, app } = await start(true)
    await submit(s, 1)
    await rpc(app, 'lanes_setThrottle', ['0x1'])
    expect((await s.sealNext())!.txs).toHaveLength(1)
  })

  it('answers -32601 unless --admin-rpc is set', async () => {
    const { s, app } = await start(false)
    expect((await rpc(app, 'lanes_setThrottle', ['0x100'])).error?.code).toBe(-32601)
    await submit(s, 2)
    expect((await s.sealNext())!.txs).toHaveLength(8)
  })
})
