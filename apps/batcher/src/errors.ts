import { LanesError, type LanesErrorOptions } from '@lanes/core'

export class BatcherError extends LanesError {
  override name = 'BatcherError'
}

/** Settings failed validation; `problems` has one line per bad setting. */
export class ConfigError extends BatcherError {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`invalid batcher configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** Our own batch did not decode back to the blocks it was built from. Never post it. */
export class BatchSelfCheckError extends BatcherError {
  override name = 'BatchSelfCheckError'
}

/** L1 and our records disagree in a way we cannot repair (e.g. another poster's root). */
export class ReconcileError extends BatcherError {
  override name = 'ReconcileError'
}

/** An L1 request failed for a transport reason; retry with backoff. */
export class L1UnavailableError extends BatcherError {
  override name = 'L1UnavailableError'
  constructor(shortMessage: string, options: LanesErrorOptions = {}) {
    super(shortMessage, options)
  }
}

/** A commit transaction was mined but reverted: the batch itself is wrong. */
export class CommitRevertedError extends BatcherError {
  override name = 'CommitRevertedError'
}
