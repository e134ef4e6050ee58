/**
 * Random transactions for tests and benchmarks (not exported from the package index:
 * import it by path). Keeps fast-check and signing helpers out of production code paths.
 */
import fc from 'fast-check'
import secp256k1 from 'secp256k1'
import type { TransactionSerializable } from 'viem'
import { SECP256K1_N } from './decode.js'
import type { Address, Hex } from './hex.js'
import { bytesToBigint, toHex } from './hex.js'
import { intrinsicGas } from './intrinsic-gas.js'
import { type SignedTxFields, signingHash, type UnsignedTxFields } from './serialize.js'

const u = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n })
const hexBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex)

export type TxArbOptions = {
  /** largest nonce (viem and ethers take numbers: keep ≤ 2^53 when they sign) */
  maxNonce?: bigint
  chainId?: fc.Arbitrary<bigint>
  maxData?: number
}

/**
 * Random unsigned fields of all three types, valid for decodeTransaction: fee caps ordered,
 * gas ≥ intrinsic gas, creations and access lists included.
 */
export function unsignedTxArb(options: TxArbOptions = {}): fc.Arbitrary<UnsignedTxFields> {
  const maxNonce = options.maxNonce ?? 2n ** 64n - 1n
  return fc
    .record({
      type: fc.constantFrom(0 as const, 1 as const, 2 as const),
      chainId: options.chainId ?? fc.bigInt({ min: 1n, max: 2n ** 40n }),
      nonce: fc.bigInt({ min: 0n, max: maxNonce }),
      extraGas: fc.oneof(fc.constant(0n), u(20), u(63)),
      to: fc.option(hexBytes(20) as fc.Arbitrary<Address>, { freq: 4 }),
      value: fc.oneof(u(64), u(256)),
      data: fc.oneof(
        fc.uint8Array({ maxLength: options.maxData ?? 300 }),
        fc.uint8Array({ maxLength: 64 }).map((b) => b.map((x) => (x < 128 ? 0 : x))),
      ),
      fee1: fc.oneof(u(40), u(256)),
      fee2: fc.oneof(u(40), u(256)),
      accessList: fc.array(
        fc.record({
          address: hexBytes(20) as fc.Arbitrary<Address>,
          storageKeys: fc.array(hexBytes(32) as fc.Arbitrary<Hex>, { maxLength: 3 }),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ fee1, fee2, extraGas, ...f }) => {
      let [lo, hi] = fee1 < fee2 ? [fee1, fee2] : [fee2, fee1]
      const accessList = f.type === 0 ? [] : f.accessList
      const base = intrinsicGas({ data: f.data, to: f.to, accessList })
      const gasLimit = base + extraGas > 2n ** 64n - 1n ? base : base + extraGas
      // a valid tx's gasLimit * fee cap fits in 256 bits
      const maxFee = (2n ** 256n - 1n) / gasLimit
      if (hi > maxFee) hi = maxFee
      if (lo > hi) lo = hi
      return {
        ...f,
        accessList,
        gasLimit,
        gasPrice: f.type === 2 ? undefined : hi,
        maxFeePerGas: f.type === 2 ? hi : undefined,
        maxPriorityFeePerGas: f.type === 2 ? lo : undefined,
      }
    })
}

/** Random signed-looking fields (r, s not a real signature), for serialization tests. */
export const signedFieldsArb: fc.Arbitrary<SignedTxFields> = fc
  .tuple(
    unsignedTxArb(),
    fc.constantFrom(0 as const, 1 as const),
    fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }),
    fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }),
  )
  .map(([f, yParity, r, s]) => ({ ...f, yParity, r, s }))

export const privateKeyArb: fc.Arbitrary<Hex> = fc
  .bigInt({ min: 1n, max: SECP256K1_N - 1n })
  .map((k) => `0x${k.toString(16).padStart(64, '0')}` as Hex)

/** viem's serializable form of our fields. */
export function toViemTx(f: UnsignedTxFields): TransactionSerializable {
  const base = {
    chainId: Number(f.chainId),
    nonce: Number(f.nonce),
    gas: f.gasLimit,
    to: f.to ?? undefined,
    value: f.value,
    data: toHex(f.data),
  }
  if (f.type === 0) return { ...base, type: 'legacy', gasPrice: f.gasPrice! }
  if (f.type === 1)
    return { ...base, type: 'eip2930', gasPrice: f.gasPrice!, accessList: f.accessList }
  return {
    ...base,
    type: 'eip1559',
    maxFeePerGas: f.maxFeePerGas!,
    maxPriorityFeePerGas: f.maxPriorityFeePerGas!,
    accessList: f.accessList,
  }
}

/** ethers v6 TransactionRequest form of our fields. */
export function toEthersTx(f: UnsignedTxFields) {
  return {
    type: f.type,
    chainId: f.chainId,
    nonce: Number(f.nonce),
    gasLimit: f.gasLimit,
    to: f.to,
    value: f.value,
    data: toHex(f.data),
    ...(f.type === 2
      ? { maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas }
      : { gasPrice: f.gasPrice }),
    ...(f.type === 0
      ? {}
      : { accessList: f.accessList.map((i) => ({ ...i, storageKeys: [...i.storageKeys] })) }),
  }
}

/** Signs with libsecp256k1 (fast, for preparing benchmark inputs): low-s, RFC 6979. */
export function signFields(f: UnsignedTxFields, privateKey: Uint8Array): SignedTxFields {
  const { signature, recid } = secp256k1.ecdsaSign(signingHash(f), privateKey)
  return {
    ...f,
    r: bytesToBigint(signature.subarray(0, 32)),
    s: bytesToBigint(signature.subarray(32, 64)),
    yParity: recid as 0 | 1,
  }
}
