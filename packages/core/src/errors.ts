export type LanesErrorOptions = {
  cause?: unknown
  details?: string
  metaMessages?: string[]
}

/**
 * Base of every Lanes error. Like viem's BaseError: `shortMessage` is the one
 * line a user sees; `message` adds details; `cause` keeps the original error.
 */
export class LanesError extends Error {
  override name = 'LanesError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: string[] | undefined

  constructor(shortMessage: string, options: LanesErrorOptions = {}) {
    const lines = [shortMessage]
    if (options.metaMessages?.length) lines.push('', ...options.metaMessages)
    if (options.details) lines.push('', `Details: ${options.details}`)
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause })
    this.shortMessage = shortMessage
    this.details = options.details
    this.metaMessages = options.metaMessages
  }
}

/**
 * An error that a JSON-RPC caller caused and geth would answer with -32000
 * (or another fixed code): its shortMessage is geth's exact text.
 */
export class RpcVisibleError extends LanesError {
  override name = 'RpcVisibleError'
  readonly code: number
  readonly data: unknown

  constructor(
    code: number,
    shortMessage: string,
    options: LanesErrorOptions & { data?: unknown } = {},
  ) {
    super(shortMessage, options)
    this.code = code
    this.data = options.data
  }
}

/** The state root on disk or from L1 disagrees with the recomputed one. Never continue. */
export class StateRootMismatchError extends LanesError {
  override name = 'StateRootMismatchError'
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly actual: string,
    options: LanesErrorOptions = {},
  ) {
    super(`state root mismatch at ${where}: expected ${expected}, got ${actual}`, options)
  }
}
