import { keccak256Reference } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKeccak65, KECCAK65_CHUNK, keccak65 } from './keccak65.js'
import { roundConstants } from './keccak65-wasm-gen.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function reference(prefix: number, data: Uint8Array): string {
  const m = new Uint8Array(65)
  m[0] = prefix
  m.set(data, 1)
  return hex(keccak256Reference(m)) // @noble/hashes
}

describe('batched keccak of 65-byte messages (generated wasm)', () => {
  it('has the FIPS 202 round constants', () => {
    const rc = roundConstants()
    expect(rc[0]).toBe(1n)
    expect(rc[1]).toBe(0x8082n)
    expect(rc[23]).toBe(0x8000000080008008n)
  })

  it('every digest of a batch matches @noble/hashes, any count and prefix', () => {
    const k = createKeccak65()
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 64, maxLength: 64 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 0, max: 255 }),
        (inputs, prefix) => {
          inputs.forEach((d, t) => {
            k.input.set(d, t * 64)
          })
          k.run(inputs.length, prefix)
          inputs.forEach((d, t) => {
            expect(hex(k.output.subarray(t * 32, t * 32 + 32))).toBe(reference(prefix, d))
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  it('a full chunk, odd and even', () => {
    const k = createKeccak65()
    for (const n of [KECCAK65_CHUNK, KECCAK65_CHUNK - 1]) {
      for (let i = 0; i < n * 64; i++) k.input[i] = (i * 131 + n) & 255
      k.run(n, 1)
      for (let t = 0; t < n; t += 37)
        expect(hex(k.output.subarray(t * 32, t * 32 + 32))).toBe(
          reference(1, k.input.subarray(t * 64, t * 64 + 64)),
        )
    }
  })

  it('one message through the helper', () => {
    const k = createKeccak65()
    const d = new Uint8Array(64).fill(0xab)
    expect(hex(keccak65(k, 0, d))).toBe(reference(0, d))
  })
})
