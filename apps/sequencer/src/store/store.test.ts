import {
  type Address,
  type BlockHeader,
  type Hex,
  type L2Tx,
  type Receipt,
  toHex,
} from '@lanes/core'
import { afterEach, describe, expect, it } from 'vitest'
import { Store } from './store.js'

const stores: Store[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

const ZERO = `0x${'00'.repeat(32)}` as Hex
const FROM = '0x00000000000000000000000000000000000000aa' as Address

function header(number: bigint): BlockHeader {
  return {
    number,
    hash: toHex(Uint8Array.of(0xbb, ...new Uint8Array(30), Number(number))),
    parentHash: ZERO,
    timestamp: number,
    stateRoot: ZERO,
    transactionsRoot: ZERO,
    receiptsRoot: ZERO,
    logsBloom: `0x${'00'.repeat(256)}` as Hex,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFeePerGas: 1n,
    coinbase: FROM,
    l1OriginNumber: 0n,
    l1OriginHash: ZERO,
    depositCursor: 0n,
  }
}

const tx = (hash: Hex) =>
  ({ type: 2, hash, from: FROM, raw: Uint8Array.of(2, 0xc0) }) as unknown as L2Tx
const receipt = (hash: Hex, i: number): Receipt => ({
  transactionHash: hash,
  transactionIndex: i,
  type: 2,
  status: 1,
  gasUsed: 21_000n,
  cumulativeGasUsed: 21_000n * BigInt(i + 1),
  effectiveGasPrice: 1n,
  contractAddress: null,
  logs: [],
  logsBloom: `0x${'00'.repeat(256)}` as Hex,
  l1Fee: 0n,
  l1GasUsed: 0n,
  l1BaseFee: 0n,
  l1BlobBaseFee: 0n,
})

function seal(store: Store, number: bigint, hashes: Hex[]) {
  store.transaction(() =>
    store.insertBlock({
      header: header(number),
      txs: hashes.map(tx),
      receipts: hashes.map(receipt),
      size: 0,
    }),
  )
}

describe('Store tx index', () => {
  it('finds txs by hash, also when two hashes share the 8-byte key prefix', () => {
    const store = new Store(':memory:', 1n)
    stores.push(store)
    const prefix = 'ab'.repeat(8)
    const a = `0x${prefix}${'01'.repeat(24)}` as Hex
    const b = `0x${prefix}${'02'.repeat(24)}` as Hex
    const c = `0x${'cd'.repeat(32)}` as Hex
    seal(store, 1n, [c, a])
    seal(store, 2n, [b])
    expect(store.txLocation(a)).toEqual({ block: 1n, index: 1 })
    expect(store.txLocation(b)).toEqual({ block: 2n, index: 0 })
    expect(store.txLocation(c)).toEqual({ block: 1n, index: 0 })
    expect(store.txLocation(`0x${prefix}${'03'.repeat(24)}` as Hex)).toBeUndefined()
    expect(store.txLocation(`0x${'ee'.repeat(32)}` as Hex)).toBeUndefined()
  })

  it('still finds txs indexed by an older version (full-hash tx_index rows)', () => {
    const store = new Store(':memory:', 1n)
    stores.push(store)
    const old = `0x${'42'.repeat(32)}` as Hex
    store.db
      .prepare('INSERT INTO tx_index (hash, block, idx) VALUES (?, ?, ?)')
      .run(Buffer.from(old.slice(2), 'hex'), 7, 3)
    expect(store.txLocation(old)).toEqual({ block: 7n, index: 3 })
  })
})
