import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BLOB_BYTES,
  BLOB_PAYLOAD_BYTES,
  BLS_MODULUS,
  blobCount,
  fromBlobs,
  toBlobs,
} from './blob.js'
import { InvalidBlobError } from './errors.js'

function fieldElements(blob: Uint8Array): bigint[] {
  const out: bigint[] = []
  for (let i = 0; i < blob.length; i += 32)
    out.push(BigInt(`0x${Buffer.from(blob.subarray(i, i + 32)).toString('hex')}`))
  return out
}

function poke(blobs: Uint8Array[], blob: number, at: number, value: number): Uint8Array[] {
  blobs[blob]![at] = value
  return blobs
}

describe('toBlobs / fromBlobs', () => {
  it('round-trips and keeps every field element below the BLS modulus', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1, max: 300 }),
          fc.constantFrom(BLOB_PAYLOAD_BYTES - 1, BLOB_PAYLOAD_BYTES, BLOB_PAYLOAD_BYTES + 1),
          fc.integer({ min: 1, max: 3 * BLOB_PAYLOAD_BYTES }),
        ),
        fc.integer(),
        (len, seed) => {
          // All-0xff stresses the top-bit rule hardest; mix with pseudo-random bytes.
          const payload = new Uint8Array(len)
          let x = seed | 1
          for (let i = 0; i < len; i++) {
            x = (x * 1103515245 + 12345) | 0
            payload[i] = seed % 3 === 0 ? 0xff : x >>> 24
          }
          const blobs = toBlobs(payload)
          expect(blobs.length).toBe(blobCount(len))
          for (const blob of blobs) {
            expect(blob.length).toBe(BLOB_BYTES)
            // top byte < 0x40 ⇔ fe < 2^254, and 2^254 < BLS_MODULUS
            for (let i = 0; i < blob.length; i += 32)
              if (blob[i]! >= 0x40) expect.fail(`FE ${i / 32}`)
          }
          for (const fe of fieldElements(blobs[0]!))
            if (fe >= BLS_MODULUS) expect.fail('FE ≥ modulus')
          // toEqual walks big typed arrays element by element: compare as Buffers instead
          expect(Buffer.compare(fromBlobs(blobs), payload)).toBe(0)
        },
      ),
      { numRuns: 12 },
    )
  })

  it('uses 127 bytes per 4 field elements: 130,044 payload bytes per blob', () => {
    expect(BLOB_PAYLOAD_BYTES).toBe(130_044)
    expect(toBlobs(new Uint8Array(BLOB_PAYLOAD_BYTES))).toHaveLength(1)
    expect(toBlobs(new Uint8Array(BLOB_PAYLOAD_BYTES + 1))).toHaveLength(2)
  })

  it('matches the documented bit layout', () => {
    const payload = new Uint8Array(200).map((_, i) => i + 1)
    const [blob] = toBlobs(payload)
    // stream: 00 | 00 00 c8 | 01 02 03 ...; FE0 bytes 1..31 = stream[0..30]
    expect(Array.from(blob!.subarray(1, 6))).toEqual([0, 0, 0, 200, 1])
    expect(blob![33]).toBe(28) // FE1 byte 1 = stream[31] = payload[27]
    // stream[124..126] = payload[120..122] = 121,122,123 → 24 bits split in four 6-bit parts
    const x = (121 << 16) | (122 << 8) | 123
    expect([blob![0], blob![32], blob![64], blob![96]]).toEqual([
      (x >> 18) & 63,
      (x >> 12) & 63,
      (x >> 6) & 63,
      x & 63,
    ])
  })

  it('rejects malformed blobs with InvalidBlobError', () => {
    const blobs = toBlobs(new Uint8Array(BLOB_PAYLOAD_BYTES + 10).fill(7))
    const bad = (mut: (b: Uint8Array[]) => Uint8Array[]) => () =>
      fromBlobs(mut(blobs.map((b) => b.slice())))
    expect(bad(() => [])).toThrow(InvalidBlobError)
    expect(bad((b) => [b[0]!.subarray(1)])).toThrow(InvalidBlobError)
    expect(bad((b) => poke(b, 0, 64, 0x40))).toThrow(/top two bits/)
    expect(bad((b) => poke(b, 1, 5000, 1))).toThrow(/padding/)
    expect(bad((b) => [b[1]!, b[0]!])).toThrow(/not full/)
    expect(bad((b) => poke(b, 0, 1, 1))).toThrow(/version/)
    expect(bad(() => [new Uint8Array(BLOB_BYTES)])).toThrow(/length 0/)
  })

  it('never crashes on random field elements', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(4095), (fe, at) => {
        const blob = new Uint8Array(BLOB_BYTES)
        blob.set(fe.subarray(0, 32), at * 32)
        blob.set(fe.subarray(32), 0)
        try {
          fromBlobs([blob])
        } catch (err) {
          if (!(err instanceof InvalidBlobError)) throw err
        }
      }),
      { numRuns: 100 },
    )
  })
})
