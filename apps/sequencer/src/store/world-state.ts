import type { Address, Hex, StateDiff, StateReader } from '@lanes/core'

/** A state-tree proof in the packages/state-tree README §4 byte format, with the leaf value. */
export type LeafProof = { proof: Uint8Array; value: Uint8Array | null }

/**
 * What the sequencer needs from the state (packages/state-tree's WorldState): versioned
 * account/storage/code reads, the tree root per version, proofs, and applying one block's
 * diff inside the caller's open SQLite transaction. Versions are block numbers.
 */
export interface WorldStatePort {
  /** newest applied version, undefined when nothing was applied yet */
  latestVersion(): bigint | undefined
  /** applies `diff` as `version` (joining the caller's SQLite transaction); the new root */
  applyDiff(version: bigint, diff: StateDiff): Hex
  /** the root recorded for `version` */
  rootAt(version: bigint): Hex
  /** the root recomputed from the flat state's leaves (start-up check) */
  recomputeRoot(): Hex
  /** proves every leaf from the stored tree nodes; the first key that fails, if any */
  verifyTreeNodes?(version: bigint): Hex | undefined
  readerAt(version: bigint): StateReader
  proveAccount(address: Address, version: bigint): LeafProof
  proveStorage(address: Address, slot: Hex, version: bigint): LeafProof
  /** re-reads the latest version from disk after the caller's transaction rolled back */
  reset?(): void
}
