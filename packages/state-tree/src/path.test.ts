import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PATH_SLOT, PATH_WORDS, pathLength, writePath, writePathSlot } from './path.js'

describe('word path slots', () => {
  it('hold exactly the byte path, zero padded, for any depth, key and last bit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 256 }),
        fc.integer({ min: -1, max: 1 }),
        (key, depth, lastBit) => {
          const bytes = new Uint8Array(PATH_SLOT).fill(0xee)
          const len = writePath(bytes, 0, depth, key, 0, depth > 0 ? lastBit : -1)
          const slot = new Int32Array(2 * PATH_WORDS).fill(-1)
          const key32 = new Int32Array(16)
          new Uint8Array(key32.buffer).set(key, 32)
          const n = writePathSlot(slot, PATH_WORDS, depth, key32, 8, depth > 0 ? lastBit : -1)
          expect(n).toBe(len)
          expect(n).toBe(pathLength(depth))
          const out = new Uint8Array(slot.buffer, PATH_SLOT, PATH_SLOT)
          expect([...out.subarray(0, 2)]).toEqual([0, 0])
          expect([...out.subarray(2, 2 + n)]).toEqual([...bytes.subarray(0, n)])
          expect(out.subarray(2 + n).every((b) => b === 0)).toBe(true)
          expect(slot.subarray(0, PATH_WORDS).every((w) => w === -1)).toBe(true)
        },
      ),
      { numRuns: 500 },
    )
  })
})
