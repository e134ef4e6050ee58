import fc from 'fast-check'
import { privateKeyToAddress } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodeTransaction } from './decode.js'
import { type Hex, toHex } from './hex.js'
import { recoverSender } from './recover.js'
import { addressOf, signTransaction } from './sign.js'

const key = fc
  .bigInt({ min: 1n, max: 2n ** 255n })
  .map((k) => `0x${k.toString(16).padStart(64, '0')}` as Hex)

describe('signTransaction / addressOf', () => {
  it('addressOf agrees with viem, and the signed tx decodes and recovers to it', () => {
    fc.assert(
      fc.property(key, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (k, nonce) => {
        const from = addressOf(k)
        expect(from).toBe(privateKeyToAddress(k).toLowerCase())
        const raw = signTransaction(k, {
          type: 2,
          chainId: 42069n,
          nonce,
          gasLimit: 21_000n,
          to: `0x${'be'.repeat(20)}`,
          value: 5n,
          data: new Uint8Array(0),
          maxFeePerGas: 10n ** 11n,
          maxPriorityFeePerGas: 10n ** 9n,
          accessList: [],
        })
        const tx = decodeTransaction(raw, { chainId: 42069n })
        expect(tx.nonce).toBe(nonce)
        expect(recoverSender(tx)).toBe(from)
        expect(toHex(raw).startsWith('0x02')).toBe(true)
      }),
      { numRuns: 40 },
    )
  })
})
