import { type Hex, LanesError, type LanesErrorOptions } from '@lanes/core'
import { BATCH_VERSION } from './types.js'

/** The input given to the encoder cannot be represented as a batch of this format version. */
export class BatchEncodeError extends LanesError {
  override name = 'BatchEncodeError'
}

/** The last block's state root is not the header's postStateRoot (the format stores it once). */
export class BatchPostRootMismatchError extends BatchEncodeError {
  override name = 'BatchPostRootMismatchError'
  constructor(
    readonly block: bigint,
    readonly blockRoot: Hex,
    readonly postStateRoot: Hex,
  ) {
    super(
      `last block ${block} has state root ${blockRoot}, header.postStateRoot is ${postStateRoot}`,
    )
  }
}

/** Base of every error a decoder raises on bad bytes. */
export class BatchDecodeError extends LanesError {
  override name = 'BatchDecodeError'
}

/** The version byte names a format this decoder does not implement. */
export class UnsupportedBatchVersionError extends BatchDecodeError {
  override name = 'UnsupportedBatchVersionError'
  constructor(readonly version: number | undefined) {
    super(
      version === undefined
        ? 'batch payload is empty'
        : `unsupported batch version ${version} (this decoder implements ${BATCH_VERSION})`,
    )
  }
}

/** Truncated data, a bad uvarint, a value out of range, trailing bytes, a broken rule of the spec. */
export class MalformedBatchError extends BatchDecodeError {
  override name = 'MalformedBatchError'
  constructor(shortMessage: string, options: LanesErrorOptions = {}) {
    super(`malformed batch: ${shortMessage}`, options)
  }
}

/** The header disagrees with itself, with the body, or with the expected chain id. */
export class BatchHeaderMismatchError extends BatchDecodeError {
  override name = 'BatchHeaderMismatchError'
}

/** The decompressed body would exceed the caller's bound (or its declared length). */
export class BatchTooLargeError extends BatchDecodeError {
  override name = 'BatchTooLargeError'
}

/** A transaction rebuilt from the columns is not a valid signed transaction. */
export class InvalidBatchTxError extends BatchDecodeError {
  override name = 'InvalidBatchTxError'
  constructor(
    readonly txIndex: number,
    reason: string,
    options: LanesErrorOptions = {},
  ) {
    super(`invalid transaction ${txIndex} in batch: ${reason}`, options)
  }
}

/** A blob violates the field-element packing or the blob stream layout. */
export class InvalidBlobError extends BatchDecodeError {
  override name = 'InvalidBlobError'
}

/**
 * The batch references an address table (README §3.5) and the caller gave no context. Not a
 * fault of the batch: decode it again with the context of its predecessors.
 */
export class BatchContextRequiredError extends BatchDecodeError {
  override name = 'BatchContextRequiredError'
  constructor(readonly contextHash: Hex) {
    super(`batch needs the address table of its predecessors (context hash ${contextHash})`)
  }
}

/**
 * The context given is not the one the batch was encoded with (its header commits to the
 * table's hash): a wrong set of predecessors, or a batch committed with a wrong hash.
 */
export class BatchContextMismatchError extends BatchDecodeError {
  override name = 'BatchContextMismatchError'
  constructor(
    readonly expected: Hex,
    readonly given: Hex,
  ) {
    super(`batch was encoded against address table ${expected}, the context given is ${given}`)
  }
}

/** A context cannot be built: a predecessor's address list is missing or not addresses. */
export class BatchContextUnavailableError extends LanesError {
  override name = 'BatchContextUnavailableError'
}
