import { type Address, RpcVisibleError } from '@lanes/core'

/**
 * geth's txpool rejections (core/txpool/errors.go, legacypool): JSON-RPC -32000 with the
 * sentinel text first (what clients match on), then geth's details.
 */
export const POOL_ERROR_TEXT = {
  alreadyKnown: 'already known',
  nonceTooLow: 'nonce too low',
  insufficientFunds: 'insufficient funds for gas * price + value',
  overdraft: 'transaction would cause overdraft',
  replacementUnderpriced: 'replacement transaction underpriced',
  underpriced: 'transaction underpriced',
  gasLimit: 'exceeds block gas limit',
  feeCapTooLow: 'max fee per gas less than block base fee',
  accountLimit: 'account limit exceeded',
  poolFull: 'txpool is full',
  nonceMax: 'nonce has max value',
} as const

export type PoolRejectReason = keyof typeof POOL_ERROR_TEXT

export class PoolRejectedError extends RpcVisibleError {
  override name = 'PoolRejectedError'
  constructor(
    readonly reason: PoolRejectReason,
    details?: string,
  ) {
    super(-32000, details ? `${POOL_ERROR_TEXT[reason]}: ${details}` : POOL_ERROR_TEXT[reason])
  }
}

export const nonceTooLow = (from: Address, nonce: bigint, state: bigint) =>
  new PoolRejectedError('nonceTooLow', `address ${from}, tx: ${nonce} state: ${state}`)

export const insufficientFunds = (from: Address, have: bigint, want: bigint) =>
  new PoolRejectedError('insufficientFunds', `address ${from} have ${have} want ${want}`)
