import secp256k1 from 'secp256k1'
import { type Address, bytesToBigint, fromHex, type Hex, toHex } from './hex.js'
import { keccak256 } from './keccak.js'
import { serializeSignedTx, signingHash, type UnsignedTxFields } from './serialize.js'

const keyBytes = (k: Hex | Uint8Array) => (typeof k === 'string' ? fromHex(k) : k)

/** The address of a private key. */
export function addressOf(privateKey: Hex | Uint8Array): Address {
  const pub = secp256k1.publicKeyCreate(keyBytes(privateKey), false)
  return toHex(keccak256(pub.subarray(1)).subarray(12)) as Address
}

/**
 * Signs a transaction and returns its raw bytes, with native libsecp256k1 (fast enough to
 * pre-sign 100k txs for tests, benchmarks and tools; wallets sign with viem or ethers).
 */
export function signTransaction(
  privateKey: Hex | Uint8Array,
  fields: UnsignedTxFields,
): Uint8Array {
  const { signature, recid } = secp256k1.ecdsaSign(signingHash(fields), keyBytes(privateKey))
  return serializeSignedTx({
    ...fields,
    r: bytesToBigint(signature.subarray(0, 32)),
    s: bytesToBigint(signature.subarray(32, 64)),
    yParity: recid as 0 | 1,
  })
}
