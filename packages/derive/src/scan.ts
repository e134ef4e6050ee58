import { RollupFollower, type RollupFollowerOptions } from './follower.js'
import type { DeriveL1 } from './l1.js'
import type { ScanStore } from './scan-store.js'

/**
 * Read the Rollup's history from L1 into a ScanStore, resuming from the checkpoint it holds:
 * what the CLI and one-off tools need. Long-running consumers (the prover) drive a
 * RollupFollower themselves. Returns the last L1 block read.
 */
export async function scanRollup(
  l1: DeriveL1,
  store: ScanStore,
  options: Omit<RollupFollowerOptions, 'checkpoint'>,
  onProgress?: (l1Block: bigint, head: bigint) => void,
): Promise<bigint> {
  const checkpoint = store.checkpoint()
  const follower = new RollupFollower(l1, { ...options, ...(checkpoint ? { checkpoint } : {}) })
  const head = (await l1.headNumber()) - options.confirmations
  // at least one step, even when the stored checkpoint is past `head`: it checks for L1 reorgs
  do {
    const events = await follower.step()
    store.apply(events, follower.checkpoint())
    onProgress?.(follower.l1Cursor, head)
  } while (follower.l1Cursor < head)
  return follower.l1Cursor > head ? follower.l1Cursor : head
}
