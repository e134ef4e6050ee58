import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ByteReader,
  ByteWriter,
  U256_MAX,
  unzigzag,
  uvarintLength,
  ZIGZAG_U256_MAX,
  zigzag,
} from './bytes.js'
import {
  brotliSpeeds,
  brotliWindowBits,
  chooseBrotliQuality,
  compressBody,
  DEFAULT_BROTLI_SPEEDS,
} from './compress.js'
import { MalformedBatchError } from './errors.js'
import { splitDecimal } from './value.js'

describe('zigzag', () => {
  it('maps small magnitudes to small codes and every u256 difference within its limit', () => {
    expect([0n, -1n, 1n, -2n, 2n].map(zigzag)).toEqual([0n, 1n, 2n, 3n, 4n])
    expect(zigzag(U256_MAX)).toBe(ZIGZAG_U256_MAX)
    expect(zigzag(-U256_MAX)).toBe(ZIGZAG_U256_MAX - 1n)
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U256_MAX }),
        fc.bigInt({ min: 0n, max: U256_MAX }),
        (a, b) => {
          const z = zigzag(a - b)
          expect(z >= 0n && z <= ZIGZAG_U256_MAX).toBe(true)
          expect(unzigzag(z)).toBe(a - b)
        },
      ),
    )
  })
})

describe('uvarint', () => {
  it('round-trips every u256 and agrees with uvarintLength', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: U256_MAX })),
        ),
        (values) => {
          const w = new ByteWriter(1)
          let len = 0
          for (const v of values) {
            w.uvarint(v)
            len += uvarintLength(v)
          }
          const bytes = w.finish()
          expect(bytes.length).toBe(len)
          const r = new ByteReader(bytes, 'test')
          for (const v of values) expect(r.uvarint('v', U256_MAX)).toBe(v)
          r.end()
        },
      ),
    )
  })

  it('encodes LEB128 exactly', () => {
    const w = new ByteWriter()
    for (const v of [0n, 127n, 128n, 300n, 2n ** 63n]) w.uvarint(v)
    expect(Buffer.from(w.finish()).toString('hex')).toBe(
      `00${'7f'}${'8001'}${'ac02'}${'80808080808080808001'}`,
    )
  })

  it('rejects non-minimal, overlong, truncated and out-of-limit values', () => {
    const read = (hex: string, max = U256_MAX) =>
      new ByteReader(Buffer.from(hex, 'hex'), 'test').uvarint('v', max)
    expect(() => read('8000')).toThrow(/non-minimal/)
    expect(() => read(`${'ff'.repeat(10)}00`)).toThrow(/non-minimal/)
    expect(() => read('ff'.repeat(40))).toThrow(/longer than 37/)
    expect(() => read('80')).toThrow(MalformedBatchError)
    expect(() => read('ac02', 299n)).toThrow(/above limit/)
    expect(read('ac02', 300n)).toBe(300n)
  })
})

describe('decimal values', () => {
  it('splits with a maximal exponent and rebuilds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U256_MAX }), fc.nat(60), (m, e) => {
        const v = (m * 10n ** BigInt(e)) % (U256_MAX + 1n)
        const { mantissa, exponent } = splitDecimal(v)
        expect(mantissa * 10n ** BigInt(exponent)).toBe(v)
        if (v === 0n) expect(exponent).toBe(0)
        else expect(mantissa % 10n).not.toBe(0n)
      }),
    )
    expect(splitDecimal(5n * 10n ** 16n)).toEqual({ mantissa: 5n, exponent: 16 })
  })
})

describe('compression policy', () => {
  it('picks the highest quality that fits the time budget', () => {
    const d = DEFAULT_BROTLI_SPEEDS
    expect(chooseBrotliQuality(95_000, 1000, d)).toBe(11)
    expect(chooseBrotliQuality(500_000, 1000, d)).toBe(10)
    expect(chooseBrotliQuality(900_000, 1000, d)).toBe(9)
    expect(chooseBrotliQuality(5_000_000, 1000, d)).toBe(5)
    expect(chooseBrotliQuality(50_000_000, 1000, d)).toBe(1)
    expect(chooseBrotliQuality(95_000, 100, d)).toBe(9)
  })

  it('learns the real speed from its own compressions', () => {
    const body = new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24)
    compressBody(body, 5)
    const speeds = brotliSpeeds()
    expect(speeds[5]).not.toBe(DEFAULT_BROTLI_SPEEDS[5])
    // one load factor scales every quality alike
    expect(speeds[11]! / DEFAULT_BROTLI_SPEEDS[11]!).toBeCloseTo(
      speeds[5]! / DEFAULT_BROTLI_SPEEDS[5]!,
    )
  })

  it('sizes the window to the body', () => {
    expect(brotliWindowBits(0)).toBe(16)
    expect(brotliWindowBits(100_000)).toBe(17)
    expect(brotliWindowBits(1 << 30)).toBe(24)
  })
})
