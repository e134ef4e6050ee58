import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './hex.js'

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
