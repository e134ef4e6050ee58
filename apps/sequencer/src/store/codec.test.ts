import type { Address, Hex, Receipt } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import { decodeReceipts, encodeReceipts } from './codec.js'

const ZERO_BLOOM = `0x${'00'.repeat(256)}` as Hex
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as Hex
const q = (v: bigint) => `0x${v.toString(16)}`

/** the receipt rows spelled the plain way: encodeReceipts must give exactly this text */
function reference(receipts: readonly Receipt[]): string {
  return JSON.stringify(
    receipts.map((r) => [
      r.type,
      r.status,
      q(r.gasUsed),
      q(r.cumulativeGasUsed),
      q(r.effectiveGasPrice),
      r.contractAddress,
      r.logs.map((l) => [l.address, l.topics, l.data]),
      q(r.l1Fee),
      q(r.l1GasUsed),
      q(r.l1BaseFee),
      q(r.l1BlobBaseFee),
      r.logsBloom === ZERO_BLOOM ? 0 : r.logsBloom,
    ]),
  )
}

describe('encodeReceipts', () => {
  it('spells every row as before, fees repeated or not, and decodes back', () => {
    const receipts: Receipt[] = Array.from({ length: 40 }, (_, i) => ({
      transactionHash: hash(i),
      transactionIndex: i,
      type: i % 3,
      status: (i % 4 === 0 ? 0 : 1) as 0 | 1,
      // runs of equal values, then changes, then back to an earlier value
      gasUsed: i < 10 ? 21_000n : i < 20 ? 50_000n + BigInt(i) : 21_000n,
      cumulativeGasUsed: 21_000n * BigInt(i + 1),
      effectiveGasPrice: i % 7 === 0 ? 2n ** 70n : 1_000_000_000n,
      contractAddress: i === 5 ? ('0x00000000000000000000000000000000000000cc' as Address) : null,
      logs:
        i % 5 === 1
          ? [
              {
                address: '0x00000000000000000000000000000000000000aa' as Address,
                topics: [hash(100 + i), hash(200 + i)],
                data: '0x1234' as Hex,
              },
            ]
          : [],
      logsBloom: i % 5 === 1 ? (`0x${'01'.repeat(256)}` as Hex) : ZERO_BLOOM,
      l1Fee: BigInt(i % 2),
      l1GasUsed: 1600n,
      l1BaseFee: i < 30 ? 7n : 0n,
      l1BlobBaseFee: 1n,
    }))
    const text = encodeReceipts(receipts)
    expect(text).toBe(reference(receipts))
    expect(
      decodeReceipts(
        text,
        receipts.map((r) => r.transactionHash),
      ),
    ).toEqual(receipts)
    expect(encodeReceipts([])).toBe('[]')
  })
})
