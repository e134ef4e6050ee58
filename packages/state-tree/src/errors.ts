import { LanesError, type LanesErrorOptions } from '@lanes/core'

export class StateTreeError extends LanesError {
  override name = 'StateTreeError'
}

/** A key, value or version given to the tree is not well formed. */
export class InvalidInputError extends StateTreeError {
  override name = 'InvalidInputError'
}

/** A batch's keys are not strictly increasing (sorted, no duplicates). */
export class UnsortedBatchError extends StateTreeError {
  override name = 'UnsortedBatchError'
  constructor(readonly index: number) {
    super(`batch keys must be strictly increasing (index ${index})`)
  }
}

/** A version at or below the latest one was applied again. */
export class VersionOrderError extends StateTreeError {
  override name = 'VersionOrderError'
  constructor(
    readonly version: bigint,
    readonly latest: bigint,
  ) {
    super(`version ${version} is not above the latest version ${latest}`)
  }
}

/** The version was never written (or is newer than the latest). */
export class VersionNotFoundError extends StateTreeError {
  override name = 'VersionNotFoundError'
  constructor(
    readonly version: bigint,
    options: LanesErrorOptions = {},
  ) {
    super(`state tree version ${version} does not exist`, options)
  }
}

/** The version existed but was pruned. */
export class VersionPrunedError extends StateTreeError {
  override name = 'VersionPrunedError'
  constructor(
    readonly version: bigint,
    readonly prunedBelow: bigint,
  ) {
    super(`state tree version ${version} was pruned (versions below ${prunedBelow} are gone)`)
  }
}

/** A proof could not be decoded or is inconsistent in itself. */
export class MalformedProofError extends StateTreeError {
  override name = 'MalformedProofError'
}

/** The store holds something the tree did not write (corruption, foreign file). */
export class CorruptStoreError extends StateTreeError {
  override name = 'CorruptStoreError'
}
