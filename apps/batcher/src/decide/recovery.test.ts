import type { Hex } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import { decideRecovery, type L1Tip, type OurBatch, retryDelayMs } from './recovery.js'

const root = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
/** L1 holds batches 0..4 (blocks 1..50), so it expects batch 5 from block 51 */
const L1: L1Tip = {
  nextBatchIndex: 5n,
  lastStateRoot: root(4),
  lastCommittedBlock: 50n,
  lastDepositCursor: 3n,
}
/** our batch i covers blocks 10i+1..10i+10 with parent root(i-1): in line with L1 at index 5 */
const ours = (i: number, status: OurBatch['status'], receipt?: OurBatch['receipt']): OurBatch => ({
  index: BigInt(i),
  status,
  parentRoot: root(i - 1),
  firstBlock: BigInt(10 * i + 1),
  depositCursorStart: 3n,
  ...(receipt ? { receipt } : {}),
})
const base = { l1: L1, nowMs: 1_000_000, retried: 0, retryBaseMs: 60_000 }

describe('decideRecovery', () => {
  const cases: Array<[string, OurBatch[], unknown]> = [
    ['nothing of ours past L1', [], { kind: 'none' }],
    ['batches in flight, none reverted', [ours(5, 'sent'), ours(6, 'planned')], { kind: 'none' }],
    [
      'confirmed but gone from L1 without a receipt: a reorg, re-posted elsewhere',
      [ours(5, 'confirmed', 'none')],
      { kind: 'none' },
    ],
    [
      'a later batch reverted while an earlier one is in flight: wait for it',
      [ours(5, 'sent'), ours(6, 'failed'), ours(7, 'planned')],
      { kind: 'wait' },
    ],
    [
      'a batch past L1 reverted (an earlier one of ours reverted or L1 moved): re-plan from L1',
      [ours(6, 'failed'), ours(7, 'failed'), ours(8, 'planned')],
      { kind: 'replan', from: 5n },
    ],
    [
      'L1 rolled back batches we had confirmed (revertBatches): re-plan from L1',
      [ours(5, 'confirmed', 'success'), ours(6, 'confirmed', 'success'), ours(7, 'failed')],
      { kind: 'replan', from: 5n },
    ],
    [
      'rolled back and nothing reverted yet: re-plan before anything is posted on top',
      [ours(5, 'confirmed', 'success'), ours(6, 'planned')],
      { kind: 'replan', from: 5n },
    ],
    [
      'rolled back while a commit is in flight: wait',
      [ours(5, 'confirmed', 'success'), ours(6, 'sent')],
      { kind: 'wait' },
    ],
    [
      'the reverted batch fitted L1 exactly: halt, posting it again would revert again',
      [ours(5, 'failed'), ours(6, 'failed'), ours(7, 'planned')],
      { kind: 'halt', index: 5n, retryAtMs: 1_060_000 },
    ],
    [
      'same index but another parent root: not in line, re-plan',
      [{ ...ours(5, 'failed'), parentRoot: root(99) }],
      { kind: 'replan', from: 5n },
    ],
    [
      'same index but another first block: re-plan',
      [{ ...ours(5, 'failed'), firstBlock: 40n }],
      { kind: 'replan', from: 5n },
    ],
    [
      'same index but another deposit cursor: re-plan',
      [{ ...ours(5, 'failed'), depositCursorStart: 2n }],
      { kind: 'replan', from: 5n },
    ],
  ]
  for (const [name, batches, want] of cases)
    it(name, () => {
      expect(decideRecovery({ ...base, batches })).toMatchObject(want as object)
    })

  it('an in-line halt retries once its backoff has passed, then backs off more per retry', () => {
    const batches = [ours(5, 'failed')]
    const halt = { index: 5n, sinceMs: 1_000_000 }
    expect(decideRecovery({ ...base, batches, halt, nowMs: 1_059_999 })).toMatchObject({
      kind: 'halt',
      retryAtMs: 1_060_000,
    })
    expect(decideRecovery({ ...base, batches, halt, nowMs: 1_060_000 })).toMatchObject({
      kind: 'replan',
      from: 5n,
    })
    expect(decideRecovery({ ...base, batches, halt, retried: 2 })).toMatchObject({
      kind: 'halt',
      retryAtMs: 1_240_000,
    })
    // a halt remembered for another index does not shorten this one's wait
    expect(
      decideRecovery({ ...base, batches, halt: { index: 4n, sinceMs: 0 }, nowMs: 1_000_000 }),
    ).toMatchObject({ kind: 'halt', retryAtMs: 1_060_000 })
  })

  it('the retry backoff is capped at one hour', () => {
    expect(retryDelayMs(60_000, 0)).toBe(60_000)
    expect(retryDelayMs(60_000, 3)).toBe(480_000)
    expect(retryDelayMs(60_000, 50)).toBe(3_600_000)
  })
})
