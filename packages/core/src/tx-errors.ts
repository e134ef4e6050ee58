import { RpcVisibleError } from './errors.js'

/**
 * Why geth (and so Lanes) refuses a raw transaction. Every class carries JSON-RPC code
 * -32000 and geth's text as `shortMessage`: the sentinel text first (the part clients
 * match on), then geth's formatted details where geth adds them.
 */
export const TX_ERROR_TEXT = {
  typeNotSupported: 'transaction type not supported',
  unprotected: 'only replay-protected (EIP-155) transactions allowed over RPC',
  invalidChainId: 'invalid chain id for signer',
  invalidSignature: 'invalid transaction v, r, s values',
  invalidSender: 'invalid sender',
  oversizedData: 'oversized data',
  intrinsicGas: 'intrinsic gas too low',
  maxInitCodeSize: 'max initcode size exceeded',
  tipAboveFeeCap: 'max priority fee per gas higher than max fee per gas',
  shortTypedTx: 'typed transaction too short',
  insufficientFunds: 'insufficient funds for gas * price + value',
} as const

export class TxTypeNotSupportedError extends RpcVisibleError {
  override name = 'TxTypeNotSupportedError'
  constructor(readonly txType: number) {
    super(-32000, TX_ERROR_TEXT.typeNotSupported, { details: `type 0x${txType.toString(16)}` })
  }
}

export class TypedTxTooShortError extends RpcVisibleError {
  override name = 'TypedTxTooShortError'
  constructor() {
    super(-32000, TX_ERROR_TEXT.shortTypedTx)
  }
}

export class UnprotectedTxError extends RpcVisibleError {
  override name = 'UnprotectedTxError'
  constructor() {
    super(-32000, TX_ERROR_TEXT.unprotected)
  }
}

export class InvalidChainIdError extends RpcVisibleError {
  override name = 'InvalidChainIdError'
  constructor(
    readonly have: bigint,
    readonly want: bigint,
  ) {
    super(-32000, `${TX_ERROR_TEXT.invalidChainId}: have ${have} want ${want}`)
  }
}

export class InvalidSignatureValuesError extends RpcVisibleError {
  override name = 'InvalidSignatureValuesError'
  constructor(details?: string) {
    super(-32000, TX_ERROR_TEXT.invalidSignature, details ? { details } : {})
  }
}

export class InvalidSenderError extends RpcVisibleError {
  override name = 'InvalidSenderError'
  /** position in the batch given to a recovery pool, when there was one */
  readonly index: number | undefined
  constructor(options: { cause?: unknown; index?: number } = {}) {
    super(-32000, TX_ERROR_TEXT.invalidSender, { cause: options.cause })
    this.index = options.index
  }
}

export class OversizedDataError extends RpcVisibleError {
  override name = 'OversizedDataError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(-32000, `${TX_ERROR_TEXT.oversizedData}: transaction size ${size}, limit ${limit}`)
  }
}

export class IntrinsicGasTooLowError extends RpcVisibleError {
  override name = 'IntrinsicGasTooLowError'
  constructor(
    readonly gas: bigint,
    readonly needed: bigint,
  ) {
    super(-32000, `${TX_ERROR_TEXT.intrinsicGas}: gas ${gas}, minimum needed ${needed}`)
  }
}

export class MaxInitCodeSizeExceededError extends RpcVisibleError {
  override name = 'MaxInitCodeSizeExceededError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(-32000, `${TX_ERROR_TEXT.maxInitCodeSize}: code size ${size}, limit ${limit}`)
  }
}

export class TipAboveFeeCapError extends RpcVisibleError {
  override name = 'TipAboveFeeCapError'
  constructor() {
    super(-32000, TX_ERROR_TEXT.tipAboveFeeCap)
  }
}

/**
 * gasLimit × fee cap does not fit in 256 bits, so no balance can ever pay for it. Invalid
 * by the execution spec (ethereum/tests GASLIMIT_PRICE_PRODUCT_OVERFLOW); geth reaches the
 * same verdict later through its balance check, hence its sentinel text.
 */
export class FeeProductOverflowError extends RpcVisibleError {
  override name = 'FeeProductOverflowError'
  constructor(
    readonly gasLimit: bigint,
    readonly feeCap: bigint,
  ) {
    super(
      -32000,
      `${TX_ERROR_TEXT.insufficientFunds}: gas ${gasLimit} * price ${feeCap} overflows 256 bits`,
    )
  }
}
