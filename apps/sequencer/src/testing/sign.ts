import { type Address, type Hex, signTransaction, type UnsignedTxFields } from '@lanes/core'

/** Test and benchmark helpers over @lanes/core's native signer. */
export { addressOf } from '@lanes/core'

export type TransferParams = {
  chainId: bigint
  nonce: bigint
  to: Address | null
  value?: bigint
  data?: Uint8Array
  gasLimit?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** Raw bytes of a signed EIP-1559 tx. */
export function signTx(privateKey: Hex, p: TransferParams): Uint8Array {
  const fields: UnsignedTxFields = {
    type: 2,
    chainId: p.chainId,
    nonce: p.nonce,
    gasLimit: p.gasLimit ?? 21_000n,
    to: p.to,
    value: p.value ?? 0n,
    data: p.data ?? new Uint8Array(0),
    maxFeePerGas: p.maxFeePerGas ?? 10n ** 11n,
    maxPriorityFeePerGas: p.maxPriorityFeePerGas ?? 10n ** 9n,
    accessList: [],
  }
  return signTransaction(privateKey, fields)
}

/** A deterministic private key for test sender `i` (never 0, below the curve order). */
export function testKey(i: number): Hex {
  return `0x${(BigInt(i) + 0x1000n).toString(16).padStart(64, '0')}` as Hex
}
