import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from './hex.js'
import {
  EMPTY_CODE_HASH,
  keccak256,
  keccak256Hex,
  keccak256Parts,
  keccak256Reference,
} from './keccak.js'

describe('keccak256', () => {
  it('hash-wasm equals noble for every size 0..2000', () => {
    for (let n = 0; n <= 2000; n++) {
      const data = new Uint8Array(n)
      for (let i = 0; i < n; i++) data[i] = (i * 131 + n * 7) & 0xff
      expect(toHex(keccak256(data))).toBe(toHex(keccak256Reference(data)))
    }
  })

  it('hash-wasm equals noble on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(toHex(keccak256(data))).toBe(toHex(keccak256Reference(data)))
      }),
      { numRuns: 1000 },
    )
  })

  it('keccak256Parts hashes the concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), (parts) => {
        expect(toHex(keccak256Parts(...parts))).toBe(
          toHex(keccak256Reference(Buffer.concat(parts))),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('known vectors', () => {
    expect(keccak256Hex(new Uint8Array(0))).toBe(EMPTY_CODE_HASH)
    expect(keccak256Hex('0x68656c6c6f')).toBe(
      '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8',
    )
  })
})
