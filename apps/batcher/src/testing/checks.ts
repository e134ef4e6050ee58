import { parseEventLogs } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { expect } from 'vitest'
import { batcherRollupAbi } from '../l1/rollup-abi.js'
import type { FakeSequencer } from './fake-sequencer.js'
import { BATCHER_KEY, type L1Env } from './l1-env.js'

export async function commitEvents(l1: L1Env) {
  const logs = await l1.client.getLogs({ address: l1.rollup, fromBlock: 0n, toBlock: 'latest' })
  return parseEventLogs({ abi: batcherRollupAbi, logs, eventName: 'BatchCommitted' })
}

/**
 * What L1 holds is exactly the sealed chain: batch indices 0..n-1, block ranges
 * without gap or overlap up to the sealed head, roots matching, and the batcher
 * key sent exactly one mined tx per batch (nothing posted twice).
 */
export async function expectExactlyOnce(l1: L1Env, seq: FakeSequencer): Promise<number> {
  const events = await commitEvents(l1)
  let next = 1n
  events.forEach((e, i) => {
    expect(e.args.batchIndex).toBe(BigInt(i))
    expect(e.args.firstBlock).toBe(next)
    expect(e.args.postStateRoot).toBe(seq.rootOf(e.args.lastBlock))
    next = e.args.lastBlock + 1n
  })
  expect(next - 1n).toBe(BigInt(seq.blocks.length))
  const nonce = await l1.client.getTransactionCount({
    address: privateKeyToAccount(BATCHER_KEY).address,
  })
  expect(nonce).toBe(events.length)
  return events.length
}
