import type { BatchHeader, Hex, SignedTx } from '@lanes/core'
import type { BatchContext } from './context.js'

/** The wire format this codec writes and the only one it reads (README §2). */
export const BATCH_VERSION = 4

/** One L2 block as a batch carries it: deposits are not carried, only the cursor after them. */
export type BatchBlock = {
  number: bigint
  timestamp: bigint
  l1OriginNumber: bigint
  /** L1 deposits consumed up to and including this block */
  depositCursor: bigint
  /**
   * state root after this block; the last block's must equal header.postStateRoot, so the
   * wire format stores every block's root but the last (column B5)
   */
  stateRoot: Hex
  /** user transactions in block order (deposits excluded) */
  txs: SignedTx[]
}

export type Batch = { header: BatchHeader; blocks: BatchBlock[] }

export type EncodeBatchOptions = {
  /** brotli quality 0..11; default: chosen by body size within `timeBudgetMs` */
  quality?: number
  /** time budget for compression when choosing the quality (default 1000 ms) */
  timeBudgetMs?: number
  /** the address table of the batch's predecessors (README §3.5); default: empty */
  context?: BatchContext
}

export type DecodeBatchOptions = {
  /** the L2 chain id every tx and the header must carry */
  chainId: bigint
  /** bound on the decompressed body (default 64 MiB) */
  maxDecompressedBytes?: number
  /**
   * the address table of the batch's predecessors (README §3.5). Required when the header
   * commits to a non-empty table; must match the header's hash when given.
   */
  context?: BatchContext
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
