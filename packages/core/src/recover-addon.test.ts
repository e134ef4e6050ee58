import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SECP256K1_HALF_N, SECP256K1_N } from './decode.js'
import { bigintToBytes32, bytesToBigint } from './hex.js'
import { recoverPacked } from './recover.js'
import { RECOVERY_ITEM_BYTES, RECOVERY_OUT_BYTES, recoverAddon } from './recover-addon.js'

type Item = { hash: Uint8Array; r: bigint; s: bigint; v: number }

/** geth's checks and @noble/curves: the address, or null where geth rejects the signature */
function reference({ hash, r, s, v }: Item): string | null {
  if (v > 1 || r < 1n || r >= SECP256K1_N || s < 1n || s > SECP256K1_HALF_N) return null
  try {
    const sig = new secp256k1.Signature(r, s).addRecoveryBit(v)
    const pub = sig.recoverPublicKey(hash).toBytes(false)
    return Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex')
  } catch {
    return null
  }
}

const signed = fc
  .tuple(
    fc.bigInt({ min: 1n, max: SECP256K1_N - 1n }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
  )
  .map(([key, hash]): Item => {
    const sig = secp256k1.sign(hash, bigintToBytes32(key), { prehash: false, format: 'recovered' })
    return {
      hash,
      r: bytesToBigint(sig.subarray(1, 33)),
      s: bytesToBigint(sig.subarray(33)),
      v: sig[0]!,
    }
  })

// values at and around every boundary geth checks, plus arbitrary ones
const edge = fc.constantFrom(
  0n,
  1n,
  SECP256K1_HALF_N,
  SECP256K1_HALF_N + 1n,
  SECP256K1_N - 1n,
  SECP256K1_N,
  2n ** 256n - 1n,
)
const scalar = fc.oneof(edge, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }))
const mangled = fc.oneof(
  fc.record({
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    r: scalar,
    s: scalar,
    v: fc.integer({ min: 0, max: 255 }),
  }),
  // a valid signature with one field changed
  fc
    .tuple(signed, fc.integer({ min: 0, max: 3 }), scalar, fc.integer({ min: 0, max: 255 }))
    .map(([item, which, x, v]) =>
      which === 0
        ? { ...item, r: x }
        : which === 1
          ? { ...item, s: x }
          : which === 2
            ? { ...item, v }
            : { ...item, hash: bigintToBytes32(x) },
    ),
)

function pack(items: Item[]): Uint8Array {
  const input = new Uint8Array(items.length * RECOVERY_ITEM_BYTES)
  items.forEach((it, i) => {
    const at = i * RECOVERY_ITEM_BYTES
    input.set(it.hash, at)
    input.set(bigintToBytes32(it.r), at + 32)
    input.set(bigintToBytes32(it.s), at + 64)
    input[at + 96] = it.v
  })
  return input
}

function unpack(output: Uint8Array, n: number): Array<string | null> {
  return Array.from({ length: n }, (_, i) => {
    const at = i * RECOVERY_OUT_BYTES
    if (output[at] !== 1) return null
    return Buffer.from(output.subarray(at + 1, at + RECOVERY_OUT_BYTES)).toString('hex')
  })
}

describe.runIf(recoverAddon)('native sender-recovery addon (libsecp256k1 0.2.0)', () => {
  const addon = recoverAddon!

  it('matches geth checks + @noble/curves on valid, mangled and out-of-range signatures', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(signed, mangled), { maxLength: 12 }), (items) => {
        const output = new Uint8Array(items.length * RECOVERY_OUT_BYTES).fill(0xee)
        const want = items.map(reference)
        expect(addon.recoverBatch(pack(items), output, items.length)).toBe(
          want.filter((w) => w !== null).length,
        )
        expect(unpack(output, items.length)).toEqual(want)
        // invalid items leave no stale bytes behind
        items.forEach((_, i) => {
          if (want[i] === null)
            expect(
              output
                .subarray(i * RECOVERY_OUT_BYTES + 1, (i + 1) * RECOVERY_OUT_BYTES)
                .every((b) => b === 0),
            ).toBe(true)
        })
      }),
      { numRuns: 200 },
    )
  })

  it('gives the same packed results as the secp256k1 package, item by item', () => {
    const items = fc.sample(fc.oneof(signed, signed, mangled), { numRuns: 300, seed: 11 })
    const input = pack(items)
    const a = new Uint8Array(items.length * RECOVERY_OUT_BYTES)
    const b = new Uint8Array(items.length * RECOVERY_OUT_BYTES)
    recoverPacked(input, a, items.length, 'addon')
    recoverPacked(input, b, items.length, 'native')
    expect(unpack(a, items.length)).toEqual(unpack(b, items.length))
  })

  it('refuses bad arguments and counts that do not fit, writing nothing', () => {
    const input = new Uint8Array(2 * RECOVERY_ITEM_BYTES)
    const output = new Uint8Array(2 * RECOVERY_OUT_BYTES).fill(7)
    expect(() => addon.recoverBatch(input, output, 3)).toThrow(RangeError)
    expect(() => addon.recoverBatch(input, output.subarray(1), 2)).toThrow(RangeError)
    expect(() => addon.recoverBatch(input, output, -1)).toThrow(RangeError)
    const loose = addon as unknown as { recoverBatch: (...a: unknown[]) => number }
    expect(() => loose.recoverBatch([1, 2], output, 0)).toThrow(TypeError)
    expect(() => loose.recoverBatch(input, new Uint16Array(64), 0)).toThrow(TypeError)
    expect(() => loose.recoverBatch(input, output)).toThrow(TypeError)
    expect(output.every((b) => b === 7)).toBe(true)
    expect(addon.recoverBatch(input, output, 0)).toBe(0)
  })
})
