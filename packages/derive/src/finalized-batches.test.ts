import fc from 'fast-check'
import type { Hex, PublicClient } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  type FinalizedBatch,
  FinalizedBatches,
  type FinalizedBatchesLog,
} from './finalized-batches.js'
import { findFinalizedBatch } from './withdrawal.js'

const root = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

/** The scan findFinalizedBatch did before the index: last commit per index, matching roots. */
function naive(logs: FinalizedBatchesLog[], l2Block: bigint): FinalizedBatch | undefined {
  const ranges = new Map<bigint, { first: bigint; last: bigint; root: Hex }>()
  for (const l of logs)
    if (l.kind === 'BatchCommitted')
      ranges.set(l.batchIndex, { first: l.firstBlock, last: l.lastBlock, root: l.postStateRoot })
  for (const l of logs) {
    if (l.kind !== 'BatchFinalized') continue
    const r = ranges.get(l.batchIndex)
    if (r && r.first <= l2Block && l2Block <= r.last && r.root === l.postStateRoot)
      return { index: l.batchIndex, firstBlock: r.first, lastBlock: r.last, root: r.root }
  }
  return undefined
}

type Op =
  | { kind: 'commit'; blocks: number }
  | { kind: 'finalize' }
  | { kind: 'revert'; back: number }
  | { kind: 'reorg'; depth: number }
  | { kind: 'mine' }

/** A Rollup contract in miniature emitting the events, with L1 blocks and reorgs. */
function simulate(ops: Op[]) {
  const logs: FinalizedBatchesLog[] = []
  let l1 = 1n
  let next = 0n
  let finalized = 0n
  let lastBlock = 0n
  let salt = 0
  const lastBlockOf = new Map<bigint, bigint>()
  const index = new FinalizedBatches()
  const state = () => ({ next, finalized, lastBlock, lastBlockOf: new Map(lastBlockOf) })
  const snapshots = new Map<bigint, ReturnType<typeof state>>()
  for (const op of ops) {
    if (op.kind === 'commit') {
      const first = lastBlock + 1n
      lastBlock += BigInt(op.blocks)
      const log: FinalizedBatchesLog = {
        kind: 'BatchCommitted',
        blockNumber: l1,
        batchIndex: next,
        firstBlock: first,
        lastBlock,
        postStateRoot: root(++salt),
      }
      logs.push(log)
      index.apply(log)
      lastBlockOf.set(next, lastBlock)
      next++
    } else if (op.kind === 'finalize' && finalized < next) {
      const c = logs.findLast((l) => l.kind === 'BatchCommitted' && l.batchIndex === finalized)
      if (c?.kind !== 'BatchCommitted') throw new Error('unreachable')
      const log: FinalizedBatchesLog = {
        kind: 'BatchFinalized',
        blockNumber: l1,
        batchIndex: finalized,
        postStateRoot: c.postStateRoot,
      }
      logs.push(log)
      index.apply(log)
      finalized++
    } else if (op.kind === 'revert' && next > finalized) {
      const from = next - 1n - (BigInt(op.back) % (next - finalized))
      next = from
      lastBlock = from === 0n ? 0n : lastBlockOf.get(from - 1n)!
    } else if (op.kind === 'mine') {
      snapshots.set(l1, state())
      l1++
    } else if (op.kind === 'reorg') {
      const to = l1 - 1n - BigInt(op.depth)
      const s = snapshots.get(to)
      if (!s) continue
      ;({ next, finalized, lastBlock } = s)
      lastBlockOf.clear()
      for (const [k, v] of s.lastBlockOf) lastBlockOf.set(k, v)
      for (let i = logs.length - 1; i >= 0 && logs[i]!.blockNumber > to; i--) logs.pop()
      index.rewindTo(to)
      l1 = to + 1n
    }
  }
  return { logs, index, lastBlock }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), blocks: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'finalize' as const }),
  fc.record({ kind: fc.constant('revert' as const), back: fc.nat(5) }),
  fc.record({ kind: fc.constant('reorg' as const), depth: fc.nat(3) }),
  fc.constant({ kind: 'mine' as const }),
)

describe('FinalizedBatches', () => {
  it('finds the finalized batch of an L2 block; a re-commit counts by its last commit', () => {
    const idx = new FinalizedBatches()
    const commit = (i: bigint, first: bigint, last: bigint, r: number, l1: bigint) =>
      idx.apply({
        kind: 'BatchCommitted',
        blockNumber: l1,
        batchIndex: i,
        firstBlock: first,
        lastBlock: last,
        postStateRoot: root(r),
      })
    const fin = (i: bigint, r: number, l1: bigint) =>
      idx.apply({ kind: 'BatchFinalized', blockNumber: l1, batchIndex: i, postStateRoot: root(r) })
    commit(0n, 1n, 10n, 1, 5n)
    commit(1n, 11n, 20n, 2, 6n)
    commit(1n, 11n, 25n, 3, 8n) // reverted and re-committed with more blocks
    expect(idx.find(5n)).toBeUndefined()
    fin(0n, 1, 9n)
    fin(1n, 2, 9n) // the root of the replaced commit: not this index's batch
    expect(idx.find(5n)).toEqual({ index: 0n, firstBlock: 1n, lastBlock: 10n, root: root(1) })
    expect(idx.find(11n)).toBeUndefined()
    fin(1n, 3, 10n)
    expect(idx.find(25n)).toEqual({ index: 1n, firstBlock: 11n, lastBlock: 25n, root: root(3) })
    expect(idx.find(26n)).toBeUndefined()
    expect(idx.find(0n)).toBeUndefined()
    idx.rewindTo(9n) // the finalization of batch 1 was in a block L1 lost
    expect(idx.find(25n)).toBeUndefined()
    expect(idx.size).toBe(1)
    idx.rewindTo(7n) // and the re-commit: the first commit of batch 1 is back
    fin(1n, 2, 8n)
    expect(idx.find(20n)).toEqual({ index: 1n, firstBlock: 11n, lastBlock: 20n, root: root(2) })
  })

  it('answers as a full scan of the canonical events would, through commits, reverts and L1 reorgs', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const { logs, index, lastBlock } = simulate(ops)
        for (let b = 0n; b <= lastBlock + 1n; b++) expect(index.find(b)).toEqual(naive(logs, b))
      }),
      { numRuns: 300 },
    )
  })

  it('findFinalizedBatch scans L1 in ranges of at most maxLogRange blocks', async () => {
    const events = [
      {
        eventName: 'BatchCommitted',
        blockNumber: 3n,
        args: { batchIndex: 0n, firstBlock: 1n, lastBlock: 4n, postStateRoot: root(1) },
      },
      {
        eventName: 'BatchCommitted',
        blockNumber: 9n,
        args: { batchIndex: 1n, firstBlock: 5n, lastBlock: 8n, postStateRoot: root(2) },
      },
      {
        eventName: 'BatchFinalized',
        blockNumber: 10n,
        args: { batchIndex: 0n, postStateRoot: root(1) },
      },
      {
        eventName: 'BatchFinalized',
        blockNumber: 17n,
        args: { batchIndex: 1n, postStateRoot: root(2) },
      },
    ]
    const ranges: Array<[bigint, bigint]> = []
    const l1 = {
      getBlockNumber: async () => 17n,
      getLogs: async (q: { fromBlock: bigint; toBlock: bigint }) => {
        ranges.push([q.fromBlock, q.toBlock])
        return events.filter((e) => e.blockNumber >= q.fromBlock && e.blockNumber <= q.toBlock)
      },
    } as unknown as PublicClient
    const rollup = '0x0000000000000000000000000000000000000001'
    const found = await findFinalizedBatch({
      l1,
      rollup,
      fromBlock: 2n,
      l2Block: 6n,
      maxLogRange: 4n,
    })
    expect(found).toEqual({ index: 1n, firstBlock: 5n, lastBlock: 8n, root: root(2) })
    expect(ranges).toEqual([
      [2n, 5n],
      [6n, 9n],
      [10n, 13n],
      [14n, 17n],
    ])
    expect(await findFinalizedBatch({ l1, rollup, fromBlock: 2n, l2Block: 9n })).toBeUndefined()
    await expect(findFinalizedBatch({ l1, rollup, l2Block: 1n, maxLogRange: 0n })).rejects.toThrow(
      RangeError,
    )
  })
})
