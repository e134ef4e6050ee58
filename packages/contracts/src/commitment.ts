import type { Hex } from 'viem'

/** Rollup.BatchCommitment as viem encodes it (uint64 → bigint). */
export type BatchCommitmentInput = {
  batchIndex: bigint
  parentStateRoot: Hex
  postStateRoot: Hex
  firstBlock: bigint
  lastBlock: bigint
  depositCursor: bigint
  depositQueueHash: Hex
}
