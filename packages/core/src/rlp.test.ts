import fc from 'fast-check'
import { fromRlp, toRlp } from 'viem'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from './hex.js'
import {
  RlpError,
  type RlpItem,
  rlpDecode,
  rlpEncode,
  rlpHeader,
  rlpToBigint,
  rlpUint,
} from './rlp.js'

const item: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item

type HexItem = `0x${string}` | HexItem[]
function toHexItem(i: RlpItem): HexItem {
  return i instanceof Uint8Array ? toHex(i) : i.map(toHexItem)
}

describe('rlp', () => {
  it('encodes like viem and round-trips', () => {
    fc.assert(
      fc.property(item, (i) => {
        const enc = rlpEncode(i)
        expect(toHex(enc)).toBe(toRlp(toHexItem(i) as never))
        expect(toHexItem(rlpDecode(enc))).toEqual(toHexItem(i))
      }),
      { numRuns: 500 },
    )
  })

  it('encodes long strings and lists (multi-byte lengths)', () => {
    for (const n of [55, 56, 255, 256, 65535, 65536, 70000]) {
      const bytes = new Uint8Array(n).fill(7)
      const enc = rlpEncode([bytes, [bytes]])
      expect(toHex(enc)).toBe(toRlp([toHex(bytes), [toHex(bytes)]]))
      expect(toHexItem(rlpDecode(enc))).toEqual([toHex(bytes), [toHex(bytes)]])
    }
  })

  it('rlpUint matches minimal big-endian', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (v) => {
        const b = rlpUint(v)
        expect(b[0]).not.toBe(0)
        expect(v === 0n ? 0n : BigInt(toHex(b))).toBe(v)
        expect(rlpToBigint(b, 32, 'x')).toBe(v)
      }),
    )
  })

  const bad: Array<[string, string]> = [
    ['0x', 'empty input'],
    ['0x8100', 'non-canonical size'], // single byte < 0x80 wrapped
    ['0x817f', 'non-canonical size'],
    ['0xb800', 'non-canonical size'], // long form with zero-led length
    ['0xb80102', 'non-canonical size'], // long form for a short string
    ['0xf80100', 'non-canonical size'],
    ['0x83aabb', 'value size exceeds'],
    ['0xb9', 'value size exceeds'],
    ['0xc2820102', 'element is larger than containing list'],
    ['0x0102', 'more than one value'],
    ['0xc0c0', 'more than one value'],
  ]
  it.each(bad)('rejects %s', (hex, msg) => {
    expect(() => rlpDecode(fromHex(hex))).toThrowError(RlpError)
    expect(() => rlpDecode(fromHex(hex))).toThrowError(msg)
  })

  it('rejects non-canonical and oversized integers', () => {
    expect(() => rlpToBigint(fromHex('0x0001'), 32, 'uint')).toThrowError('leading zero')
    expect(() => rlpToBigint(new Uint8Array(9).fill(1), 8, 'uint64')).toThrowError('overflow')
    expect(() => rlpToBigint([], 8, 'uint64')).toThrowError('expected input string')
  })

  it('rejects absurd nesting with a typed error, not a stack overflow', () => {
    const nest = (levels: number) => {
      let bytes = Uint8Array.of(0xc0)
      for (let i = 0; i < levels; i++) {
        const header = rlpHeader(bytes.length, true)
        const next = new Uint8Array(header.length + bytes.length)
        next.set(header)
        next.set(bytes, header.length)
        bytes = next
      }
      return bytes
    }
    expect(rlpEncode(rlpDecode(nest(1000)))).toEqual(nest(1000))
    expect(() => rlpDecode(nest(5000))).toThrowError('rlp: nesting too deep')
    const deep: RlpItem[] = []
    let cur = deep
    for (let i = 0; i < 5000; i++) {
      const next: RlpItem[] = []
      cur.push(next)
      cur = next
    }
    expect(() => rlpEncode(deep)).toThrowError(RlpError)
  })

  it('never throws anything but RlpError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          const d = rlpDecode(b)
          expect(toHex(rlpEncode(d))).toBe(toHex(b)) // canonical: decode∘encode is identity
        } catch (e) {
          expect(e).toBeInstanceOf(RlpError)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees with viem on what decodes', () => {
    fc.assert(
      fc.property(item, (i) => {
        const enc = rlpEncode(i)
        expect(toHexItem(rlpDecode(enc))).toEqual(fromRlp(toHex(enc)))
      }),
      { numRuns: 200 },
    )
  })
})
