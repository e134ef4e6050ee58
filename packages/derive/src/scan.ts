import type { DerivedBatch } from './derive-batch.js'
import { RollupFollower, type RollupFollowerOptions } from './follower.js'
import type { DeriveL1 } from './l1.js'

export type ScanResult = {
  /** the current batch at each index (reverted ones dropped, re-commits replace) */
  batches: Map<bigint, DerivedBatch>
  invalid: Map<bigint, string>
  finalized: Set<bigint>
  l1Head: bigint
}

/**
 * Read the whole Rollup history from L1 into memory: what the CLI and one-off tools need.
 * Long-running consumers (the prover) drive a RollupFollower themselves.
 */
export async function scanRollup(
  l1: DeriveL1,
  options: RollupFollowerOptions,
  onProgress?: (l1Block: bigint, head: bigint) => void,
): Promise<ScanResult> {
  const follower = new RollupFollower(l1, options)
  const batches = new Map<bigint, DerivedBatch>()
  const invalid = new Map<bigint, string>()
  const finalized = new Set<bigint>()
  const head = (await l1.headNumber()) - options.confirmations
  while (follower.l1Cursor < head) {
    for (const e of await follower.step()) {
      if (e.type === 'batch') {
        batches.set(e.batch.index, e.batch)
        invalid.delete(e.batch.index)
      } else if (e.type === 'invalid') invalid.set(e.batchIndex, e.error.shortMessage)
      else if (e.type === 'finalized') finalized.add(e.batchIndex)
      else if (e.type === 'reverted') {
        for (const i of [...batches.keys()]) if (i >= e.fromIndex) batches.delete(i)
        for (const i of [...invalid.keys()]) if (i >= e.fromIndex) invalid.delete(i)
      }
    }
    onProgress?.(follower.l1Cursor, head)
  }
  return { batches, invalid, finalized, l1Head: head }
}
