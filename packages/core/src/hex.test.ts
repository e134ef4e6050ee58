import { describe, expect, it } from 'vitest'
import { bigintToBytes32, fromHex, toHex } from './hex.js'

/** the straightforward spellings the fast paths must match */
const refToHex = (b: Uint8Array) =>
  `0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`

describe('toHex / fromHex', () => {
  it('round-trips every length across the short and long paths', () => {
    for (let n = 0; n <= 300; n += n < 70 ? 1 : 37) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) & 255)
      const hex = toHex(bytes)
      expect(hex).toBe(refToHex(bytes))
      expect(fromHex(hex)).toEqual(bytes)
      expect(fromHex(hex.toUpperCase().replace('0X', '0x'))).toEqual(bytes)
    }
  })

  it('spells views at an offset, and earlier results stay intact', () => {
    const base = Uint8Array.from({ length: 100 }, (_, i) => i)
    const a = toHex(base.subarray(10, 42))
    const b = toHex(base.subarray(50, 70))
    expect(a).toBe(refToHex(base.subarray(10, 42)))
    expect(b).toBe(refToHex(base.subarray(50, 70)))
  })

  it('returns memory of its own, exactly sized', () => {
    const out = fromHex(`0x${'ab'.repeat(200)}`)
    expect(out.byteOffset).toBe(0)
    expect(out.buffer.byteLength).toBe(200)
  })

  it('rejects bad input on both paths', () => {
    for (const n of [4, 200]) {
      const good = 'ab'.repeat(n)
      expect(() => fromHex(good)).toThrow('must start with 0x')
      expect(() => fromHex(`0x${good}a`)).toThrow('odd number')
      expect(() => fromHex(`0x${good.slice(0, -2)}zz`)).toThrow('non-hex digit')
      expect(() => fromHex(`0xg${good.slice(1)}`)).toThrow('non-hex digit')
      expect(() => fromHex(`0x${good.slice(0, 40)}0g${good.slice(42)}`)).toThrow('non-hex digit')
    }
  })
})

describe('bigintToBytes32', () => {
  const ref = (v: bigint, w: number) => fromHex(`0x${v.toString(16).padStart(w * 2, '0')}`)
  it('matches the hex spelling across widths and limb boundaries', () => {
    const values = [0n, 1n, 255n, 256n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n + 7n, 10n ** 22n]
    for (let b = 1; b <= 256; b += 5) values.push(2n ** BigInt(b) - 1n, 2n ** BigInt(b - 1))
    for (const v of values)
      for (const w of [8, 20, 32])
        if (v < 2n ** BigInt(8 * w))
          expect(bigintToBytes32(v, w), `${v} in ${w}`).toEqual(ref(v, w))
        else expect(() => bigintToBytes32(v, w)).toThrow(`does not fit in ${w} bytes`)
  })

  it('rejects negative values and one bit too many', () => {
    expect(() => bigintToBytes32(-1n)).toThrow('negative')
    expect(() => bigintToBytes32(2n ** 256n)).toThrow('does not fit in 32 bytes')
    expect(() => bigintToBytes32(2n ** 64n, 8)).toThrow('does not fit in 8 bytes')
    expect(bigintToBytes32(2n ** 256n - 1n)).toEqual(new Uint8Array(32).fill(255))
  })
})
