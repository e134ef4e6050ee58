import {
  type Address,
  bytesToBigint,
  fromHex,
  type Hex,
  keccak256,
  serializeSignedTx,
  signingHash,
  toHex,
  type UnsignedTxFields,
} from '@lanes/core'
import secp256k1 from 'secp256k1'

/** Test and benchmark helper: signs with native libsecp256k1 (fast enough to pre-sign 100k txs). */
export function addressOf(privateKey: Hex): Address {
  const pub = secp256k1.publicKeyCreate(fromHex(privateKey), false)
  return toHex(keccak256(pub.subarray(1)).subarray(12)) as Address
}

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
  const { signature, recid } = secp256k1.ecdsaSign(signingHash(fields), fromHex(privateKey))
  return serializeSignedTx({
    ...fields,
    r: bytesToBigint(signature.subarray(0, 32)),
    s: bytesToBigint(signature.subarray(32, 64)),
    yParity: recid as 0 | 1,
  })
}

/** A deterministic private key for test sender `i` (never 0, below the curve order). */
export function testKey(i: number): Hex {
  return `0x${(BigInt(i) + 0x1000n).toString(16).padStart(64, '0')}` as Hex
}
