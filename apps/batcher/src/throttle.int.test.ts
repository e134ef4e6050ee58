import type { Hex } from '@lanes/core'
import { waitFor } from '@lanes/test/harness'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcBlockSource } from './block-source.js'
import { type Env, startBatcherEnv } from './testing/batcher-env.js'
import { type L1Env, L2_CHAIN_ID, startL1Env } from './testing/l1-env.js'
import { startRealSequencer } from './testing/real-sequencer.js'

const KEYS = [1, 2, 3, 4].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)
const CAP = 1000

let l1: L1Env | undefined
let env: Env | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
  await env?.cleanup()
  await l1?.anvil.stop()
})

async function rpc<T>(url: string, calls: Array<[string, unknown[]]>): Promise<T[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params })),
    ),
  })
  const body = (await res.json()) as Array<{ result?: T; error?: { message: string } }>
  return body.map((r) => {
    if (r.error) throw new Error(r.error.message)
    return r.result as T
  })
}

describe('throttle against the real sequencer', () => {
  it('backlog above the mark: the sequencer keeps blocks under the cap; drained: cap lifted', async () => {
    l1 = await startL1Env()
    env = await startBatcherEnv(l1)
    const seq = await startRealSequencer({
      keys: KEYS,
      chainId: L2_CHAIN_ID,
      // default timestamp lead cap (60 s): this test used to need 1800 because the backlog was
      // extrapolated from earlier batches, 0 when batch 0 held only empty blocks (README: Throttle)
      args: ['--admin-rpc', 'true', '--block-time-ms', '100'],
    })
    cleanups.push(seq.stop)
    const nonces = KEYS.map(() => 0)
    const accounts = KEYS.map((k) => privateKeyToAccount(k))
    /** `n` transfers sent in one JSON-RPC batch, so an unthrottled block takes them all */
    const burst = async (n: number): Promise<Hex[]> => {
      const raws: Hex[] = []
      for (let i = 0; i < n; i++) {
        const k = i % KEYS.length
        raws.push(
          await accounts[k]!.signTransaction({
            type: 'eip1559',
            chainId: Number(L2_CHAIN_ID),
            nonce: nonces[k]!++,
            to: `0x${'00'.repeat(19)}aa`,
            value: 1n,
            gas: 21_000n,
            maxFeePerGas: 10n ** 10n,
            maxPriorityFeePerGas: 10n ** 6n,
          }),
        )
      }
      return rpc<Hex>(
        seq.url,
        raws.map((r) => ['eth_sendRawTransaction', [r]]),
      )
    }
    /** the sealed blocks holding `hashes`: their tx counts and signed tx bytes */
    const blocksOf = async (hashes: Hex[]) => {
      const receipts = await waitFor(
        'txs sealed',
        async () => {
          const r = await rpc<{ blockNumber: Hex } | null>(
            seq.url,
            hashes.map((h) => ['eth_getTransactionReceipt', [h]]),
          )
          return r.every((x) => x) ? r : undefined
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      )
      const nums = [...new Set(receipts.map((r) => BigInt(r!.blockNumber)))].sort((a, b) =>
        a < b ? -1 : 1,
      )
      const [range] = await rpc<Array<{ transactions: Array<{ raw: Hex }> }>>(seq.url, [
        ['lanes_getBlockRange', [`0x${nums[0]!.toString(16)}`, `0x${nums.at(-1)!.toString(16)}`]],
      ])
      return range!.map((b) => ({
        txs: b.transactions.length,
        bytes: b.transactions.reduce((a, t) => a + (t.raw.length - 2) / 2, 0),
      }))
    }

    // L1 does not mine: commits stay pending and the unposted backlog grows
    await l1.rpc('evm_setAutomine', [false])
    const s = await env.build(
      {
        maxPendingTxs: 1,
        maxBatchDelayMs: 300,
        stuckAfterMs: 600_000,
        stuckAfterBlocks: 1000,
        throttleOnBytes: 5000,
        throttleOffBytes: 2500,
        throttleMaxBlockBytes: CAP,
      },
      undefined,
      new RpcBlockSource(seq.url),
    )
    await s.start()
    const before = await blocksOf(await burst(40))
    expect(Math.max(...before.map((b) => b.bytes))).toBeGreaterThan(CAP)
    await waitFor(
      'throttle on',
      async () => {
        if (s.pipeline.status().throttling) return true
        await burst(20)
        return undefined
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    )
    const throttled = await blocksOf(await burst(40))
    expect(throttled.length).toBeGreaterThanOrEqual(5)
    for (const b of throttled) expect(b.bytes).toBeLessThanOrEqual(CAP)

    // L1 mines again: the backlog drains, the cap is lifted
    await l1.rpc('evm_setAutomine', [true])
    await l1.rpc('evm_mine', [])
    await waitFor('throttle off', async () => (s.pipeline.status().throttling ? undefined : true), {
      timeoutMs: 120_000,
      intervalMs: 200,
    })
    const after = await blocksOf(await burst(40))
    expect(Math.max(...after.map((b) => b.bytes))).toBeGreaterThan(CAP)
  }, 600_000)
})
