import { type Hex, LanesError, RpcVisibleError } from '@lanes/core'
import { decodeAbiParameters } from 'viem'

/**
 * The one place where anything thrown inside the RPC layer becomes a JSON-RPC error object.
 * Codes and message texts follow geth so that wallets (viem, ethers, cast) classify them
 * the same way they classify geth's.
 */

export const RpcErrorCode = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** geth's default code for errors a caller caused (nonce too low, ...) */
  server: -32000,
  /** geth: request timed out */
  timeout: -32002,
  /** EIP-1474 "limit exceeded", used by Infura/Alchemy for rate limits */
  limitExceeded: -32005,
  /** geth: execution reverted (eth_call / eth_estimateGas) */
  reverted: 3,
} as const

export type JsonRpcErrorObject = { code: number; message: string; data?: unknown }

export function parseError(): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.parse, 'parse error')
}

export function invalidRequest(message = 'invalid request'): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.invalidRequest, message)
}

export function methodNotFound(method: string): RpcVisibleError {
  return new RpcVisibleError(
    RpcErrorCode.methodNotFound,
    `the method ${method} does not exist/is not available`,
  )
}

export function invalidParams(message: string): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.invalidParams, message)
}

export function rateLimited(): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.limitExceeded, 'request rate limit exceeded')
}

export function requestTimedOut(): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.timeout, 'request timed out')
}

/** A -32000 error with geth's text, for caller mistakes found in the RPC layer itself. */
export function serverError(message: string): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.server, message)
}

const ERROR_STRING_SELECTOR = '0x08c379a0'
const PANIC_SELECTOR = '0x4e487b71'

/**
 * geth's revert error: code 3, message "execution reverted" plus ": <reason>" when the revert
 * data is an `Error(string)` (or a Panic code), and the raw revert data as `data`.
 */
export function executionReverted(data: Hex): RpcVisibleError {
  let message = 'execution reverted'
  const reason = revertReason(data)
  if (reason !== undefined) message += `: ${reason}`
  return new RpcVisibleError(RpcErrorCode.reverted, message, { data })
}

function revertReason(data: Hex): string | undefined {
  try {
    if (data.startsWith(ERROR_STRING_SELECTOR) && data.length > 10) {
      const [reason] = decodeAbiParameters([{ type: 'string' }], `0x${data.slice(10)}`)
      return reason
    }
    if (data.startsWith(PANIC_SELECTOR) && data.length > 10) {
      const [code] = decodeAbiParameters([{ type: 'uint256' }], `0x${data.slice(10)}`)
      return `assert failed (panic code 0x${code.toString(16)})`
    }
  } catch {
    // not ABI-encoded as it claims: report the bare revert
  }
  return undefined
}

/**
 * Any thrown value → JSON-RPC error object. `RpcVisibleError`s keep their code, geth text and
 * data; everything else is an internal error whose message never carries a stack or path.
 */
export function toJsonRpcError(error: unknown): JsonRpcErrorObject {
  if (error instanceof RpcVisibleError) {
    // the node reports a bare revert; the reason decoding lives here, once
    if (error.code === RpcErrorCode.reverted && isHexString(error.data))
      error = executionReverted(error.data)
    return rpcVisible(error as RpcVisibleError)
  }
  if (error instanceof LanesError)
    return { code: RpcErrorCode.internal, message: error.shortMessage }
  return { code: RpcErrorCode.internal, message: 'internal error' }
}

function isHexString(v: unknown): v is Hex {
  return typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v)
}

function rpcVisible(error: RpcVisibleError): JsonRpcErrorObject {
  const out: JsonRpcErrorObject = { code: error.code, message: error.shortMessage }
  if (error.data !== undefined) out.data = error.data
  return out
}

export function bodyTooLarge(): RpcVisibleError {
  return invalidRequest('request body too large')
}

export function notificationsUnsupported(): RpcVisibleError {
  return new RpcVisibleError(RpcErrorCode.methodNotFound, 'notifications not supported')
}

export function filterNotFound(): RpcVisibleError {
  return serverError('filter not found')
}

export function noSuchSubscription(name: string): RpcVisibleError {
  return new RpcVisibleError(
    RpcErrorCode.methodNotFound,
    `no "${name}" subscription in eth namespace`,
  )
}
