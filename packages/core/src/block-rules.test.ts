import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EMPTY_TRIE_ROOT, receiptsRoot, transactionsRoot } from './block-rules.js'
import { fromHex, type Hex, toHex } from './hex.js'
import { keccak256 } from './keccak.js'
import { rlpEncode, rlpUint } from './rlp.js'
import type { L2Tx, Receipt } from './types.js'

/** the definitions, spelled the slow way: what the fast paths must reproduce */
function refReceiptsRoot(receipts: Receipt[]): Hex {
  if (receipts.length === 0) return EMPTY_TRIE_ROOT
  const leaves = receipts.map((r) =>
    keccak256(
      rlpEncode([
        rlpUint(r.status),
        rlpUint(r.cumulativeGasUsed),
        r.logs.map((l) => [fromHex(l.address), l.topics.map(fromHex), fromHex(l.data)]),
      ]),
    ),
  )
  const buf = new Uint8Array(32 * leaves.length)
  for (const [i, l] of leaves.entries()) buf.set(l, 32 * i)
  return toHex(keccak256(buf))
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex)
const logArb = fc.record({
  address: bytes(20),
  topics: fc.array(bytes(32), { maxLength: 4 }),
  data: fc.uint8Array({ maxLength: 80 }).map(toHex),
})
const receiptArb = fc.record({
  status: fc.constantFrom(0 as const, 1 as const),
  cumulativeGasUsed: fc.oneof(
    fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 21_000n),
    fc.bigInt({ min: 0n, max: 2n ** 64n }),
    fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  ),
  logs: fc.oneof(fc.constant([]), fc.array(logArb, { maxLength: 3 })),
})

describe('block roots', () => {
  it('receiptsRoot matches the definition (with and without logs)', () => {
    fc.assert(
      fc.property(fc.array(receiptArb, { maxLength: 12 }), (rows) => {
        const receipts = rows as unknown as Receipt[]
        expect(receiptsRoot(receipts)).toBe(refReceiptsRoot(receipts))
      }),
      { numRuns: 500 },
    )
  })

  it('transactionsRoot is keccak of the concatenated hashes and refuses a malformed hash', () => {
    const hashes = [0, 1, 2].map((i) => toHex(keccak256(Uint8Array.of(i))))
    const txs = hashes.map((hash) => ({ hash }) as L2Tx)
    expect(transactionsRoot(txs)).toBe(
      toHex(keccak256(fromHex(`0x${hashes.map((h) => h.slice(2)).join('')}`))),
    )
    expect(transactionsRoot([])).toBe(EMPTY_TRIE_ROOT)
    expect(() => transactionsRoot([{ hash: '0x12' } as unknown as L2Tx])).toThrow('bad tx hash')
    expect(() => transactionsRoot([{ hash: `0x${'zz'.repeat(32)}` } as L2Tx])).toThrow(
      'bad tx hash',
    )
  })
})
