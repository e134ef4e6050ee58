import { LanesError, type LanesErrorOptions } from '@lanes/core'
import type { Hex } from 'viem'

/** Which batch and L1 transaction an error is about; every derive error names them. */
export type BatchLocation = { batchIndex: bigint; l1TxHash: Hex; l1BlockNumber: bigint }

export class DeriveError extends LanesError {
  override name = 'DeriveError'
}

function where(at: BatchLocation): string {
  return `batch ${at.batchIndex} (L1 tx ${at.l1TxHash}, block ${at.l1BlockNumber})`
}

/** The bytes fetched from L1 do not hash to what the Rollup contract committed. */
export class BatchDataMismatchError extends DeriveError {
  override name = 'BatchDataMismatchError'
  constructor(
    readonly at: BatchLocation,
    reason: string,
    options: LanesErrorOptions = {},
  ) {
    super(`${where(at)}: data does not match its commitment: ${reason}`, options)
  }
}

/** The data matched its commitment but is not a valid batch, or disagrees with the commitment. */
export class InvalidBatchError extends DeriveError {
  override name = 'InvalidBatchError'
  constructor(
    readonly at: BatchLocation,
    reason: string,
    options: LanesErrorOptions = {},
  ) {
    super(`${where(at)}: invalid batch: ${reason}`, options)
  }
}

/** Blob data could not be fetched (pruned, wrong beacon endpoint, or node down). */
export class BlobUnavailableError extends DeriveError {
  override name = 'BlobUnavailableError'
  constructor(
    readonly at: BatchLocation,
    reason: string,
    options: LanesErrorOptions = {},
  ) {
    super(`${where(at)}: blobs unavailable: ${reason}`, options)
  }
}

/** A deposit the batch consumes is not in the L1 queue we read. */
export class MissingDepositError extends DeriveError {
  override name = 'MissingDepositError'
}
