import { waitFor } from '@lanes/test/harness'
import { FlowProducer, Queue } from 'bullmq'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterEach, describe, expect, it } from 'vitest'
import { SEALED_QUEUE } from './sealed-listener.js'
import { type Env, startBatcherEnv, waitAllConfirmed } from './testing/batcher-env.js'
import { commitEvents, expectExactlyOnce } from './testing/checks.js'
import { BATCHER_KEY, type L1Env, startL1Env } from './testing/l1-env.js'

let l1: L1Env | undefined
let env: Env | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
  await env?.cleanup()
  await l1?.anvil.stop()
  env = undefined
  l1 = undefined
})

const setup = async () => {
  l1 = await startL1Env({ blockTime: 1 })
  env = await startBatcherEnv(l1)
  return { l1, env, prefix: `{lanes}${env.redis.prefix}` }
}

describe('batcher pipeline upkeep', () => {
  it('a batch flow whose compress job failed for good is removed and planned again', async () => {
    const { l1, env, prefix } = await setup()
    for (let i = 0; i < 3; i++) await env.seq.sealBlock(3, 20)
    // what a compress child killed on every attempt leaves behind: batch-0's post job
    // waiting on a compress child that has used up its attempts
    const flow = new FlowProducer({ connection: { url: env.redis.url }, prefix })
    cleanups.push(() => flow.close())
    await flow.add({
      name: 'post',
      queueName: 'post',
      data: { batchIndex: '0' },
      opts: { jobId: 'batch-0', attempts: 1_000_000 },
      children: [
        {
          name: 'compress',
          queueName: 'compress',
          data: { chainId: '1', start: null, blocks: null },
          opts: { jobId: 'batch-0', attempts: 2, backoff: { type: 'fixed', delay: 100 } },
        },
      ],
    })
    const s = await env.build({ maxBlocksPerBatch: 2 })
    await s.start()
    // the stale flow can never complete (its compress data is not a batch): only planning
    // batch 0 again gets these blocks to L1
    await waitAllConfirmed(s, env.seq)
    expect(s.store.get(0n)?.firstBlock).toBe(1n)
    await expectExactlyOnce(l1, env.seq)
  }, 180_000)

  it('a "sealed" event from the sequencer starts planning without waiting for the poll', async () => {
    const { env, prefix } = await setup()
    const sealed = new Queue(SEALED_QUEUE, { connection: { url: env.redis.url }, prefix })
    cleanups.push(() => sealed.close())
    // a poll interval far longer than the test's wait: only the event can wake the planner
    const s = await env.build({ pollIntervalMs: 60_000, maxBatchDelayMs: 300 })
    await s.start()
    // the first pass (at start) found nothing to batch; let it finish
    await waitFor('first pass', async () => (s.pipeline.reconciled ? true : undefined))
    await new Promise((r) => setTimeout(r, 1000))
    expect(await s.pipeline.queues.post.getJob('batch-0')).toBeUndefined()
    const b = await env.seq.sealBlock(3, 20)
    const t0 = Date.now()
    await sealed.add(
      SEALED_QUEUE,
      { number: String(b.header.number), hash: b.header.hash, stateRoot: '0x', txCount: 3 },
      { jobId: `block-${b.header.number}` },
    )
    await waitFor(
      'batch 0 planned',
      async () => ((await s.pipeline.queues.post.getJob('batch-0')) ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 50 },
    )
    expect(Date.now() - t0).toBeLessThan(20_000)
  }, 120_000)

  it('a foreign tx that takes the batcher nonce: the batch is re-signed at the next nonce and lands once', async () => {
    const { l1, env } = await setup()
    await l1.rpc('evm_setAutomine', [false])
    await l1.rpc('evm_setIntervalMining', [0])
    for (let i = 0; i < 2; i++) await env.seq.sealBlock(3, 20)
    const s = await env.build({ daMode: 'calldata', maxPendingTxs: 1, stuckAfterMs: 600_000 })
    await s.start()
    const ours = await waitFor('batch 0 sent', async () => s.store.attempts(0n)[0], {
      timeoutMs: 60_000,
    })
    // someone else holding the batcher key replaces our commit in the pool and it is mined
    const account = privateKeyToAccount(BATCHER_KEY)
    const wallet = createWalletClient({
      account,
      chain: { ...foundry, id: l1.anvil.chainId },
      transport: http(l1.anvil.url),
    })
    await wallet.sendTransaction({
      to: account.address,
      value: 1n,
      nonce: ours.nonce,
      maxFeePerGas: ours.fees.maxFeePerGas * 3n,
      maxPriorityFeePerGas: ours.fees.maxPriorityFeePerGas * 3n,
    })
    await l1.rpc('evm_mine', [])
    expect(await l1.client.getTransactionCount({ address: account.address })).toBe(ours.nonce + 1)
    await l1.rpc('evm_setAutomine', [true])
    await waitAllConfirmed(s, env.seq)
    const nonces = s.store.attempts(0n).map((a) => a.nonce)
    expect(nonces).toContain(ours.nonce + 1)
    const events = await commitEvents(l1)
    expect(events.map((e) => e.args.batchIndex)).toEqual(events.map((_, i) => BigInt(i)))
    expect(events.at(-1)!.args.lastBlock).toBe(BigInt(env.seq.blocks.length))
    expect(new Set(events.map((e) => e.args.batchIndex)).size).toBe(events.length)
  }, 180_000)
})
