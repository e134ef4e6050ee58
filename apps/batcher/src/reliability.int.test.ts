import type { Hex } from '@lanes/core'
import { waitFor } from '@lanes/test/harness'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { type Env, startBatcherEnv, waitAllConfirmed } from './testing/batcher-env.js'
import { commitEvents, expectExactlyOnce } from './testing/checks.js'
import { type L1Env, startCutProxy, startL1Env } from './testing/l1-env.js'

let l1: L1Env | undefined
let env: Env | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => {})
  await env?.cleanup()
  await l1?.anvil.stop()
  env = undefined
  l1 = undefined
})

const setup = async (blockTime?: number) => {
  l1 = await startL1Env(blockTime ? { blockTime } : {})
  env = await startBatcherEnv(l1)
  return { l1, env }
}

describe('batcher reliability', () => {
  it('re-sends a stuck commit with the same nonce and bumped fees; exactly one lands; throttles meanwhile', async () => {
    const { l1, env } = await setup()
    await l1.rpc('evm_setAutomine', [false])
    for (let i = 0; i < 3; i++) await env.seq.sealBlock(4, 30)
    const s = await env.build({
      stuckAfterMs: 800,
      stuckAfterBlocks: 1000,
      maxPendingTxs: 1,
      maxBlocksPerBatch: 2,
      throttleOnBytes: 1,
      throttleOffBytes: 1,
    })
    await s.start()
    await waitFor(
      'two attempts for batch 0',
      async () => (s.store.attempts(0n).length >= 2 ? true : undefined),
      { timeoutMs: 60_000 },
    )
    const [a, b] = s.store.attempts(0n)
    expect(b!.nonce).toBe(a!.nonce)
    expect(b!.fees.maxFeePerGas * 100n).toBeGreaterThanOrEqual(a!.fees.maxFeePerGas * 110n)
    expect(b!.fees.maxPriorityFeePerGas * 100n).toBeGreaterThanOrEqual(
      a!.fees.maxPriorityFeePerGas * 110n,
    )
    // the planned second batch is backlog: the sequencer was told to throttle
    await waitFor('throttle on', async () =>
      env.seq.throttles.some((t) => t.maxBlockTxBytes !== null) ? true : undefined,
    )
    await l1.rpc('evm_setAutomine', [true])
    await l1.rpc('evm_mine', [])
    await waitAllConfirmed(s, env.seq)
    const mined = s.store.get(0n)!.minedTxHash
    const hashes = s.store.attempts(0n).map((x) => x.txHash)
    expect(hashes).toContain(mined)
    for (const h of hashes.filter((h) => h !== mined))
      expect(await l1.client.getTransactionReceipt({ hash: h }).catch(() => null)).toBeNull()
    expect(
      (await s.metrics.registry.getSingleMetricAsString('lanes_batcher_fee_bumps_total')).match(
        / (\d+)$/m,
      )?.[1],
    ).not.toBe('0')
    await expectExactlyOnce(l1, env.seq)
    await waitFor('throttle off', async () =>
      env.seq.throttles.at(-1)?.maxBlockTxBytes === null ? true : undefined,
    )
  }, 180_000)

  it('restarted after sending and before confirmation: finds its tx, no duplicate, no gap', async () => {
    const { l1, env } = await setup()
    await l1.rpc('evm_setAutomine', [false])
    for (let i = 0; i < 4; i++) await env.seq.sealBlock(3, 20)
    let s = await env.build({ maxBlocksPerBatch: 2, stuckAfterMs: 60_000 })
    await s.start()
    await waitFor(
      'batch 0 sent',
      async () => (s.store.attempts(0n).length === 1 ? true : undefined),
      { timeoutMs: 60_000 },
    )
    await s.stop()
    // L1 forgets the pending tx too (as after a node restart): the batcher must rebroadcast, not re-sign
    await l1.rpc('anvil_dropAllTransactions', [])
    s = await env.build({ maxBlocksPerBatch: 2, stuckAfterMs: 60_000 })
    await s.start()
    await waitFor('rebroadcast', async () =>
      ((await l1.rpc('txpool_status', [])) as { pending: Hex }).pending !== '0x0'
        ? true
        : undefined,
    )
    await l1.rpc('evm_setAutomine', [true])
    await l1.rpc('evm_mine', [])
    await waitAllConfirmed(s, env.seq)
    expect(s.store.attempts(0n)).toHaveLength(1)
    await expectExactlyOnce(l1, env.seq)
  }, 180_000)

  it('Redis wiped mid-run: reconciles from SQLite and L1 and continues', async () => {
    const { l1, env } = await setup(1)
    for (let i = 0; i < 3; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ maxBlocksPerBatch: 1 })
    await s.start()
    await waitFor('first batch sent', async () => (s.store.all().length >= 1 ? true : undefined), {
      timeoutMs: 60_000,
    })
    const r = new Redis(env.redis.url)
    const keys = await r.keys(`{lanes}${env.redis.prefix}*`)
    expect(keys.length).toBeGreaterThan(0)
    await r.del(...keys)
    r.disconnect()
    for (let i = 0; i < 3; i++) await env.seq.sealBlock(3, 20)
    await waitAllConfirmed(s, env.seq)
    expect(
      (await s.metrics.registry.getSingleMetricAsString('lanes_batcher_reconciles_total')).match(
        / (\d+)$/m,
      )?.[1],
    ).toBe('2')
    await expectExactlyOnce(l1, env.seq)
  }, 180_000)

  it('an L1 reorg that removes a commit gets it re-posted', async () => {
    const { l1, env } = await setup(1)
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ confirmations: 3, maxBlocksPerBatch: 1 })
    await s.start()
    const mined = await waitFor(
      'batch 0 mined',
      async () => s.store.get(0n)?.minedBlock ?? undefined,
      { timeoutMs: 60_000 },
    )
    const head = await l1.client.getBlockNumber()
    await l1.rpc('anvil_reorg', [Number(head - mined + 1n), []])
    expect(
      await l1.client
        .getTransactionReceipt({ hash: s.store.get(0n)!.minedTxHash! })
        .catch(() => null),
    ).toBeNull()
    await waitAllConfirmed(s, env.seq)
    expect(
      (
        await s.metrics.registry.getSingleMetricAsString('lanes_batcher_l1_reorged_commits_total')
      ).match(/ (\d+)$/m)?.[1],
    ).not.toBe('0')
    await expectExactlyOnce(l1, env.seq)
  }, 180_000)

  it('L1 unreachable for a while: backs off, then catches up', async () => {
    const { l1, env } = await setup(1)
    const proxy = await startCutProxy(l1.anvil.url)
    cleanups.push(proxy.close)
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ maxBlocksPerBatch: 1 }, proxy.url)
    await s.start()
    await waitFor('first batch', async () => (s.store.all().length >= 1 ? true : undefined), {
      timeoutMs: 60_000,
    })
    proxy.cut(true)
    for (let i = 0; i < 4; i++) await env.seq.sealBlock(3, 20)
    await waitFor('not ready while L1 is down', async () =>
      (await s.http.inject('/readyz')).statusCode === 503 ? true : undefined,
    )
    await new Promise((r) => setTimeout(r, 2500))
    proxy.cut(false)
    await waitAllConfirmed(s, env.seq)
    expect((await s.http.inject('/readyz')).statusCode).toBe(200)
    await expectExactlyOnce(l1, env.seq)
    expect((await commitEvents(l1)).length).toBe(6)
  }, 180_000)
})
