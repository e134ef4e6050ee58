import { rollupAbi } from '@lanes/contracts'
import type { Hex } from '@lanes/core'
import { ANVIL_KEYS, waitFor } from '@lanes/test/harness'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatcherService } from './service.js'
import { type Env, startBatcherEnv, waitAllConfirmed } from './testing/batcher-env.js'
import { commitEvents } from './testing/checks.js'
import type { FakeSequencer } from './testing/fake-sequencer.js'
import { BATCHER_KEY, type L1Env, startL1Env } from './testing/l1-env.js'

let l1: L1Env | undefined
let env: Env | undefined
afterEach(async () => {
  await env?.cleanup()
  await l1?.anvil.stop()
  env = undefined
  l1 = undefined
})

const batcher = privateKeyToAccount(BATCHER_KEY).address

/** the Rollup owner (the deployer) calls `fn`, with a tip far above the batcher's so it lands first */
async function asOwner(l1: L1Env, functionName: 'revertBatches' | 'setSequencer', arg: unknown) {
  const wallet = createWalletClient({
    account: privateKeyToAccount(ANVIL_KEYS[0] as Hex),
    chain: { ...foundry, id: l1.anvil.chainId },
    transport: http(l1.anvil.url),
  })
  return wallet.writeContract({
    address: l1.rollup,
    abi: rollupAbi,
    functionName,
    args: [arg],
    maxPriorityFeePerGas: 100n * 10n ** 9n,
    maxFeePerGas: 1000n * 10n ** 9n,
    gas: 500_000n,
  } as never)
}

/** every tx the batcher key got mined, in order, with its status */
async function batcherTxs(l1: L1Env): Promise<Array<{ block: bigint; status: string }>> {
  const out: Array<{ block: bigint; status: string }> = []
  const head = await l1.client.getBlockNumber()
  for (let n = 0n; n <= head; n++) {
    const b = await l1.client.getBlock({ blockNumber: n, includeTransactions: true })
    for (const tx of b.transactions)
      if (tx.from.toLowerCase() === batcher.toLowerCase()) {
        const r = await l1.client.getTransactionReceipt({ hash: tx.hash })
        out.push({ block: n, status: r.status })
      }
  }
  return out
}

/** L1's chain of batches now (a rolled-back index counts by its latest commit): contiguous, roots right, up to the sealed head */
async function expectL1Chain(l1: L1Env, seq: FakeSequencer): Promise<void> {
  const next = await l1.client.readContract({
    address: l1.rollup,
    abi: rollupAbi,
    functionName: 'nextBatchIndex',
  })
  const latest = new Map<bigint, { firstBlock: bigint; lastBlock: bigint; postStateRoot: Hex }>()
  for (const e of await commitEvents(l1)) latest.set(e.args.batchIndex!, e.args as never)
  let block = 1n
  for (let i = 0n; i < BigInt(next); i++) {
    const e = latest.get(i)!
    expect(e.firstBlock).toBe(block)
    expect(e.postStateRoot).toBe(seq.rootOf(e.lastBlock))
    block = e.lastBlock + 1n
  }
  expect(block - 1n).toBe(BigInt(seq.blocks.length))
}

const metric = async (s: BatcherService, name: string) =>
  Number((await s.metrics.registry.getSingleMetricAsString(name)).match(/ (\d+)$/m)?.[1])

describe('a commit reverts on L1', () => {
  it('owner rolls L1 back under a commit in flight: that one reverts, later ones are not sent, batches continue from L1', async () => {
    l1 = await startL1Env()
    env = await startBatcherEnv(l1)
    for (let i = 0; i < 6; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ maxBlocksPerBatch: 2, maxBatchDelayMs: 300 })
    await s.start()
    await waitAllConfirmed(s, env.seq)
    expect(s.store.all().map((b) => b.batchIndex)).toEqual([0n, 1n, 2n])

    // batch 3 goes out and waits in the pool; the owner's revertBatches(1) lands before it
    await l1.rpc('evm_setAutomine', [false])
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    await waitFor('batch 3 sent', async () => (s.store.attempts(3n).length ? true : undefined))
    await asOwner(l1, 'revertBatches', 1n)
    await l1.rpc('evm_mine', [])
    await waitFor('revert seen', async () =>
      (await metric(s, 'lanes_batcher_reverted_commits_total')) >= 1 ? true : undefined,
    )
    await l1.rpc('evm_setAutomine', [true])
    // blocks keep coming; the batcher re-plans from batch 1 and continues
    for (let i = 0; i < 6; i++) {
      await env.seq.sealBlock(3, 20)
      await new Promise((r) => setTimeout(r, 150))
    }
    await waitAllConfirmed(s, env.seq)
    await expectL1Chain(l1, env.seq)
    const txs = await batcherTxs(l1)
    // exactly one reverted commit (batch 3, in flight when L1 moved); nothing reverted after it
    expect(txs.filter((t) => t.status === 'reverted')).toHaveLength(1)
    const rev = txs.findIndex((t) => t.status === 'reverted')
    expect(txs.slice(rev + 1).length).toBeGreaterThan(0)
    expect(await metric(s, 'lanes_batcher_replans_total')).toBeGreaterThanOrEqual(1)
    // our records: contiguous from 0, all confirmed, the first re-planned one continuing L1 at 1
    const all = s.store.all()
    all.forEach((b, i) => {
      expect(b.batchIndex).toBe(BigInt(i))
      expect(b.status).toBe('confirmed')
    })
    expect(all[1]!.firstBlock).toBe(3n)
  }, 180_000)

  it('a commit reverts although it fits L1 (sequencer role taken away): posting halts, then retries after the backoff', async () => {
    l1 = await startL1Env()
    env = await startBatcherEnv(l1)
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ maxBlocksPerBatch: 2, maxBatchDelayMs: 300, revertRetryMs: 3000 })
    await s.start()
    await waitAllConfirmed(s, env.seq)
    await asOwner(l1, 'setSequencer', privateKeyToAccount(ANVIL_KEYS[5] as Hex).address)
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    await waitFor('halted', async () =>
      s.pipeline.status().recovery.kind === 'halt' ? true : undefined,
    )
    expect((await s.http.inject('/readyz')).statusCode).toBe(503)
    const nonce = await l1.client.getTransactionCount({ address: batcher })
    // more blocks while halted: nothing is sent
    for (let i = 0; i < 4; i++) {
      await env.seq.sealBlock(3, 20)
      await new Promise((r) => setTimeout(r, 300))
    }
    expect(await l1.client.getTransactionCount({ address: batcher })).toBe(nonce)
    // the role is back: after the backoff the batch is planned again and posting continues
    await asOwner(l1, 'setSequencer', batcher)
    await waitAllConfirmed(s, env.seq)
    await expectL1Chain(l1, env.seq)
    const txs = await batcherTxs(l1)
    expect(txs.filter((t) => t.status === 'reverted')).toHaveLength(1)
    expect(s.pipeline.status().recovery.kind).toBe('none')
  }, 180_000)
})
