import { describe, expect, it } from 'vitest'
import { fakeExponential, l1OriginOf } from './l1-origin.js'

describe('l1OriginOf', () => {
  it('computes the EIP-4844 blob base fee from excess blob gas', () => {
    expect(fakeExponential(1n, 0n, 3_338_477n)).toBe(1n)
    // values from the EIP-4844 reference implementation's table
    expect(fakeExponential(1n, 2n, 1n)).toBe(6n)
    expect(fakeExponential(2n, 5n, 2n)).toBe(23n)
    expect(fakeExponential(1n, 10_000_000n, 3_338_477n)).toBe(19n)
    const o = l1OriginOf({
      number: 5n,
      hash: '0x01',
      timestamp: 9n,
      baseFeePerGas: 7n,
      excessBlobGas: 0n,
    })
    expect(o).toEqual({ number: 5n, hash: '0x01', timestamp: 9n, baseFee: 7n, blobBaseFee: 1n })
  })
})
