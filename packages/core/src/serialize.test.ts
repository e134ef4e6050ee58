import fc from 'fast-check'
import { serializeTransaction, type TransactionSerializable, keccak256 as viemKeccak } from 'viem'
import { describe, expect, it } from 'vitest'
import { toHex } from './hex.js'
import type { SignedTxFields } from './serialize.js'
import {
  serializeSignedTx,
  serializeSigningPayload,
  signedTxFromFields,
  signingHash,
} from './serialize.js'

const u = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n })
const hexBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex)

/** Random signed-tx fields of all three types, the shape viem also accepts. */
export const txFieldsArb: fc.Arbitrary<SignedTxFields> = fc
  .record({
    type: fc.constantFrom(0 as const, 1 as const, 2 as const),
    chainId: fc.bigInt({ min: 1n, max: 2n ** 40n }),
    nonce: u(64),
    gasLimit: u(64),
    to: fc.option(hexBytes(20), { freq: 4 }),
    value: u(256),
    data: fc.uint8Array({ maxLength: 300 }),
    fee1: u(256),
    fee2: u(256),
    accessList: fc.array(
      fc.record({ address: hexBytes(20), storageKeys: fc.array(hexBytes(32), { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
    yParity: fc.constantFrom(0 as const, 1 as const),
    r: fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }),
    s: fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }),
  })
  .map(({ fee1, fee2, ...f }) => {
    const [lo, hi] = fee1 < fee2 ? [fee1, fee2] : [fee2, fee1]
    return {
      ...f,
      accessList: f.type === 0 ? [] : f.accessList,
      gasPrice: f.type === 2 ? undefined : hi,
      maxFeePerGas: f.type === 2 ? hi : undefined,
      maxPriorityFeePerGas: f.type === 2 ? lo : undefined,
    } as SignedTxFields
  })

export function toViem(f: SignedTxFields): TransactionSerializable {
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

describe('serializeSignedTx', () => {
  it('matches viem serializeTransaction for signed and unsigned forms', () => {
    fc.assert(
      fc.property(
        txFieldsArb.filter((f) => f.nonce <= BigInt(Number.MAX_SAFE_INTEGER)),
        (f) => {
          const v = toViem(f)
          const sig = {
            r: `0x${f.r.toString(16).padStart(64, '0')}`,
            s: `0x${f.s.toString(16).padStart(64, '0')}`,
            yParity: f.yParity,
            v: f.type === 0 ? f.chainId * 2n + 35n + BigInt(f.yParity) : undefined,
          } as const
          expect(toHex(serializeSignedTx(f))).toBe(serializeTransaction(v, sig as never))
          const payload = serializeTransaction(v)
          expect(toHex(serializeSigningPayload(f))).toBe(payload)
          expect(toHex(signingHash(f))).toBe(viemKeccak(payload))
        },
      ),
      { numRuns: 400 },
    )
  })

  it('signedTxFromFields fills hash, raw and intrinsic gas', () => {
    const tx = signedTxFromFields({
      type: 2,
      chainId: 1n,
      nonce: 0n,
      gasLimit: 21000n,
      to: '0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      value: 1n,
      data: Uint8Array.of(0, 1),
      maxFeePerGas: 10n,
      maxPriorityFeePerGas: 1n,
      accessList: [],
      yParity: 1,
      r: 5n,
      s: 6n,
    })
    expect(tx.to).toBe('0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    expect(tx.gasPrice).toBe(10n)
    expect(tx.intrinsicGas).toBe(21000n + 4n + 16n)
    expect(tx.hash).toBe(viemKeccak(tx.raw))
  })
})
