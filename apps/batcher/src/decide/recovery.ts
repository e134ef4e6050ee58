import type { Hex } from '@lanes/core'

/** What the L1 contract says the chain of batches is now. */
export type L1Tip = {
  nextBatchIndex: bigint
  lastStateRoot: Hex
  lastCommittedBlock: bigint
  lastDepositCursor: bigint
}

/** One of our batch records at or past L1's next index, as recovery sees it. */
export type OurBatch = {
  index: bigint
  status: 'planned' | 'sent' | 'confirmed' | 'failed'
  parentRoot: Hex
  firstBlock: bigint
  depositCursorStart: bigint
  /**
   * For a confirmed record L1 no longer holds: whether its mined commit still has a successful
   * receipt (the owner rolled it back with revertBatches) or none (an L1 reorg dropped it).
   */
  receipt?: 'success' | 'none'
}

export type Recovery =
  /** nothing reverted or rolled back: carry on */
  | { kind: 'none' }
  /** commits of ours are still in flight: post nothing more, let them land first */
  | { kind: 'wait'; reason: string }
  /**
   * The first reverted commit was in line with L1 (right index, parent root, first block and
   * deposit cursor), so its content or a contract rule made it revert: posting it again would
   * revert again. Post nothing until `retryAtMs` (backoff), then re-plan once more.
   */
  | { kind: 'halt'; index: bigint; reason: string; retryAtMs: number }
  /** L1 moved under our later batches: drop our records from `from` on and plan from L1's tip */
  | { kind: 'replan'; from: bigint; reason: string }

export type RecoveryInput = {
  l1: L1Tip
  /** our records with index >= l1.nextBatchIndex, any order */
  batches: readonly OurBatch[]
  nowMs: number
  /** when the current halt began, if one did */
  halt?: { index: bigint; sinceMs: number }
  /** in-line reverts retried since the last confirmed batch (the backoff doubles per one) */
  retried: number
  /** backoff of the first retry after an in-line revert; doubles per further one, up to 1 h */
  retryBaseMs: number
}

const MAX_RETRY_MS = 3_600_000

export function retryDelayMs(baseMs: number, previous: number): number {
  return Math.min(MAX_RETRY_MS, baseMs * 2 ** Math.min(previous, 20))
}

const inLine = (b: OurBatch, l1: L1Tip): boolean =>
  b.index === l1.nextBatchIndex &&
  b.parentRoot.toLowerCase() === l1.lastStateRoot.toLowerCase() &&
  b.firstBlock === l1.lastCommittedBlock + 1n &&
  b.depositCursorStart === l1.lastDepositCursor

/**
 * After a commit of ours reverted, or L1 rolled back batches we had confirmed: never keep
 * posting later indexes on top of a chain L1 does not have (each of those reverts and costs
 * fees). Wait until nothing of ours is in flight, then either re-plan from L1's tip, or, when
 * the revert happened although the batch fitted L1 exactly, halt with backoff.
 */
export function decideRecovery(input: RecoveryInput): Recovery {
  const { l1, batches } = input
  const stale = batches
    .filter(
      (b) =>
        b.index >= l1.nextBatchIndex &&
        (b.status === 'failed' || (b.status === 'confirmed' && b.receipt === 'success')),
    )
    .sort((a, b) => (a.index < b.index ? -1 : 1))
  const first = stale[0]
  if (!first) return { kind: 'none' }
  const inFlight = batches.filter((b) => b.status === 'sent')
  if (inFlight.length > 0)
    return {
      kind: 'wait',
      reason: `batch ${first.index} is not on L1; waiting for ${inFlight.length} commit(s) in flight to land before re-planning`,
    }
  const rolledBack = stale.some((b) => b.status === 'confirmed')
  if (first.status === 'failed' && !rolledBack && inLine(first, l1)) {
    const h = input.halt?.index === first.index ? input.halt : undefined
    const sinceMs = h?.sinceMs ?? input.nowMs
    const retryAtMs = sinceMs + retryDelayMs(input.retryBaseMs, input.retried)
    if (input.nowMs < retryAtMs)
      return {
        kind: 'halt',
        index: first.index,
        reason: `commit of batch ${first.index} reverted although it continued L1's chain (index, parent root, first block, deposit cursor all matched): its content or a contract rule rejected it`,
        retryAtMs,
      }
    return {
      kind: 'replan',
      from: l1.nextBatchIndex,
      reason: `retrying batch ${first.index} after an in-line revert`,
    }
  }
  return {
    kind: 'replan',
    from: l1.nextBatchIndex,
    reason: rolledBack
      ? `L1 rolled back to batch ${l1.nextBatchIndex} (revertBatches) under batches we had confirmed`
      : `commit of batch ${first.index} reverted: L1 expects batch ${l1.nextBatchIndex} after block ${l1.lastCommittedBlock}`,
  }
}
