import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Hex, toHex } from '@lanes/core'
import { spawnOwned, stopProcess } from '@lanes/test/harness'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir, testGenesisJson } from './testing/fixtures.js'
import { addressOf, signTx, testKey } from './testing/sign.js'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const CHAIN = 42069n
const SENDERS = Array.from({ length: 16 }, (_, i) => testKey(100 + i))

type Rpc = (method: string, params: unknown[]) => Promise<unknown>

function startSequencer(
  genesis: string,
  dataDir: string,
): Promise<{
  child: ChildProcess
  rpc: Rpc
  batch: (calls: [string, unknown[]][]) => Promise<{ result?: unknown; error?: unknown }[]>
}> {
  const child = spawnOwned(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      '--genesis',
      genesis,
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--block-time-ms',
      '40',
    ],
    { env: { ...process.env, LANES_LOG_LEVEL: 'info' } },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`sequencer did not start: ${out}`)), 45_000)
    child.once('exit', (code) => reject(new Error(`sequencer exited ${code}: ${out}`)))
    child.stderr?.on('data', (d) => {
      out += d
    })
    child.stdout?.on('data', (d) => {
      out += d
      const m = /"url":"([^"]+)".*"msg":"listening"/.exec(out)
      if (!m) return
      clearTimeout(timer)
      const url = m[1]!
      const batch = async (calls: [string, unknown[]][]) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params })),
          ),
        })
        const body = (await res.json()) as { id: number; result?: unknown; error?: unknown }[]
        return body.sort((a, b) => a.id - b.id)
      }
      const rpc: Rpc = async (method, params) => {
        const [r] = await batch([[method, params]])
        if (r?.error) throw new Error(JSON.stringify(r.error))
        return r?.result
      }
      resolve({ child, rpc, batch })
    })
  })
}

const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

describe('durability across kill -9', () => {
  it('every acknowledged tx hash is in exactly one block or in the pool after a restart', async () => {
    const { dir, cleanup } = tempDir('lanes-kill9-')
    cleanups.push(cleanup)
    const genesisPath = join(dir, 'genesis.json')
    writeFileSync(genesisPath, JSON.stringify(testGenesisJson(SENDERS)))
    const dataDir = join(dir, 'data')

    const first = await startSequencer(genesisPath, dataDir)
    cleanups.push(() => stopProcess(first.child, 100))
    const acked = new Set<Hex>()
    const nonces = SENDERS.map(() => 0n)
    let stop = false
    // 4 concurrent streams of batches (one tx per sender each), until the kill
    const streams = Array.from({ length: 4 }, async (_, s) => {
      while (!stop) {
        const mine = SENDERS.map((_, i) => i).filter((i) => i % 4 === s)
        const calls: [string, unknown[]][] = mine.map((i) => [
          'eth_sendRawTransaction',
          [
            toHex(
              signTx(SENDERS[i]!, {
                chainId: CHAIN,
                nonce: nonces[i]!++,
                to: addressOf(testKey(1)),
                value: 1n,
              }),
            ),
          ],
        ])
        try {
          const res = await first.batch(calls)
          for (const r of res) if (typeof r.result === 'string') acked.add(r.result as Hex)
        } catch {
          return // the process died mid-request: that batch was never acknowledged
        }
      }
    })
    // kill mid-stream: once txs are being acknowledged (a loaded machine takes a while to get
    // there), plus a little more so the kill lands between acknowledgements
    for (let waited = 0; acked.size < 50 && waited < 60_000; waited += 100)
      await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 500))
    first.child.kill('SIGKILL')
    stop = true
    await Promise.all(streams)
    await new Promise<void>((r) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? r()
        : first.child.once('exit', () => r()),
    )
    expect(acked.size).toBeGreaterThan(20)

    const second = await startSequencer(genesisPath, dataDir)
    cleanups.push(() => stopProcess(second.child))
    const head = BigInt((await second.rpc('eth_blockNumber', [])) as string)
    const seen = new Map<Hex, number>()
    const numbers = Array.from({ length: Number(head) }, (_, i) => [
      `0x${(i + 1).toString(16)}`,
      false,
    ])
    for (let i = 0; i < numbers.length; i += 200) {
      const res = await second.batch(
        numbers.slice(i, i + 200).map((p) => ['eth_getBlockByNumber', p]),
      )
      for (const r of res) {
        const block = r.result as { transactions: Hex[] }
        for (const h of block.transactions) seen.set(h, (seen.get(h) ?? 0) + 1)
      }
    }
    const pooled = new Set<Hex>()
    const hashes = [...acked]
    for (let i = 0; i < hashes.length; i += 200) {
      const res = await second.batch(
        hashes.slice(i, i + 200).map((h) => ['eth_getTransactionByHash', [h]]),
      )
      res.forEach((r, j) => {
        const tx = r.result as { blockNumber: Hex | null } | null
        const h = hashes[i + j]!
        expect(tx, `acknowledged ${h} lost`).not.toBeNull()
        if (tx!.blockNumber === null) pooled.add(h)
      })
    }
    for (const h of acked) {
      const inBlocks = seen.get(h) ?? 0
      expect(inBlocks + (pooled.has(h) ? 1 : 0), `${h} appears ${inBlocks} times in blocks`).toBe(1)
    }
    for (const count of seen.values()) expect(count).toBe(1)
  }, 120_000)
})
