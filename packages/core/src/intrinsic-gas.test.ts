import { describe, expect, it } from 'vitest'
import { intrinsicGas } from './intrinsic-gas.js'

const A = '0x1111111111111111111111111111111111111111' as const
const K = `0x${'22'.repeat(32)}` as const

describe('intrinsicGas', () => {
  it.each([
    ['plain transfer', { data: new Uint8Array(0), to: A, accessList: [] }, 21000n],
    ['empty creation', { data: new Uint8Array(0), to: null, accessList: [] }, 53000n],
    ['calldata 4/16', { data: Uint8Array.of(0, 1, 0, 2), to: A, accessList: [] }, 21000n + 40n],
    // 33 bytes of 0xff: 33*16 + 2 words * 2
    [
      'initcode words',
      { data: new Uint8Array(33).fill(0xff), to: null, accessList: [] },
      53000n + 528n + 4n,
    ],
    [
      'access list',
      {
        data: new Uint8Array(0),
        to: A,
        accessList: [
          { address: A, storageKeys: [K, K] },
          { address: A, storageKeys: [] },
        ],
      },
      21000n + 2n * 2400n + 2n * 1900n,
    ],
  ])('%s', (_, params, expected) => {
    expect(intrinsicGas(params)).toBe(expected)
  })
})
