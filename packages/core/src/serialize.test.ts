import fc from 'fast-check'
import { serializeTransaction, keccak256 as viemKeccak } from 'viem'
import { describe, expect, it } from 'vitest'
import { toHex } from './hex.js'
import {
  serializeSignedTx,
  serializeSigningPayload,
  signedTxFromFields,
  signingHash,
} from './serialize.js'
import { signedFieldsArb, toViemTx } from './tx-fixtures.js'

describe('serializeSignedTx', () => {
  it('matches viem serializeTransaction for signed and unsigned forms', () => {
    fc.assert(
      fc.property(
        signedFieldsArb.filter((f) => f.nonce <= BigInt(Number.MAX_SAFE_INTEGER)),
        (f) => {
          const v = toViemTx(f)
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
