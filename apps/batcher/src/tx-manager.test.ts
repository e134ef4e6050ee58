import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Hex } from '@lanes/core'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { CommitRevertedError, ReconcileError } from './errors.js'
import type { L1Client, L1Receipt, RollupHead } from './l1/client.js'
import { BatchStore } from './store.js'
import { TxManager } from './tx-manager.js'

const gwei = 1_000_000_000n
const ROOT = `0x${'22'.repeat(32)}` as Hex

/** An in-memory L1 behind our own interface: a pool keyed by hash, receipts we hand out. */
class FakeL1 implements L1Client {
  pool = new Map<Hex, Hex>()
  receipts = new Map<Hex, L1Receipt>()
  head = 100n
  confirmedNonce = 0
  refuse: 'underpriced' | 'nonce too low' | undefined
  rollup: RollupHead = {
    nextBatchIndex: 0n,
    lastCommittedBlock: 0n,
    lastStateRoot: ROOT,
    lastDepositCursor: 0n,
  }
  async chainId() {
    return 31337
  }
  async blockNumber() {
    return this.head
  }
  async nonce() {
    return this.confirmedNonce
  }
  async feeMarket() {
    return { baseFee: gwei, blobBaseFee: 1n, suggestedTip: 0n }
  }
  async sendRawTransaction(raw: Hex): Promise<Hex> {
    if (this.refuse === 'underpriced') throw new Error('replacement transaction underpriced')
    if (this.refuse) throw new Error(this.refuse)
    this.pool.set(raw, raw)
    return raw
  }
  async receipt(hash: Hex) {
    return this.receipts.get(hash) ?? null
  }
  async knowsTransaction(hash: Hex) {
    return [...this.pool.keys()].some((raw) => this.hashOf?.(raw) === hash)
  }
  hashOf: ((raw: Hex) => Hex) | undefined
  async rollupHead() {
    return this.rollup
  }
  async postStateRootOf() {
    return ROOT
  }
  async depositQueueHashAt() {
    return `0x${'00'.repeat(32)}` as Hex
  }
}

describe('TxManager edge paths (fake L1)', () => {
  let dir: string | undefined
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }))

  const setup = async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lanes-txm-'))
    const store = new BatchStore(path.join(dir, 'b.db'))
    const l1 = new FakeL1()
    const { keccak256Hex } = await import('@lanes/core')
    l1.hashOf = (raw) => keccak256Hex(raw)
    let now = 0
    const txm = new TxManager(store, l1, privateKeyToAccount(`0x${'33'.repeat(32)}`), {
      rollup: `0x${'44'.repeat(20)}`,
      daMode: 'calldata',
      confirmations: 2,
      limits: { minTip: gwei, maxFeePerGasCap: 100n * gwei, maxFeePerBlobGasCap: gwei },
      stuckAfterMs: 1000,
      stuckAfterBlocks: 1000,
      now: () => now,
    })
    for (const i of [0n, 1n]) {
      store.insertPlanned({
        batchIndex: i,
        firstBlock: 1n + 2n * i,
        lastBlock: 2n + 2n * i,
        parentRoot: ROOT,
        postRoot: ROOT,
        depositCursorStart: 0n,
        depositCursorEnd: 0n,
        l1OriginFirst: 1n,
        l1OriginLast: 1n,
        txCount: 1,
        rawBytes: 10,
        firstSeenMs: 0,
        createdAtMs: 0,
      })
      store.setPayload(i, new Uint8Array([1, 2, 3]))
    }
    return { store, l1, txm, tick: (ms: number) => (now += ms) }
  }

  it('sends once; a second send is a no-op; a refused bump makes the next one climb higher', async () => {
    const { store, l1, txm, tick } = await setup()
    expect(await txm.send(0n)).toBe('sent')
    expect(await txm.send(0n)).toBe('already-sent')
    tick(1500)
    l1.refuse = 'underpriced'
    expect(await txm.check(0n)).toBe('pending')
    l1.refuse = undefined
    expect(await txm.check(0n)).toBe('pending')
    const a = store.attempts(0n)
    expect(a).toHaveLength(3)
    expect(new Set(a.map((x) => x.nonce))).toEqual(new Set([0]))
    expect(a[2]!.fees.maxFeePerGas).toBeGreaterThan(a[1]!.fees.maxFeePerGas)
    expect(a[1]!.fees.maxFeePerGas).toBeGreaterThan(a[0]!.fees.maxFeePerGas)
  })

  it('counts confirmations, and notices the receipt vanishing (reorg)', async () => {
    const { store, l1, txm } = await setup()
    await txm.send(0n)
    const h = store.attempts(0n)[0]!.txHash
    const r: L1Receipt = {
      blockNumber: 100n,
      blockHash: ROOT,
      status: 'success',
      gasUsed: 1n,
      effectiveGasPrice: 1n,
      blobGasUsed: 0n,
      blobGasPrice: 0n,
    }
    l1.receipts.set(h, r)
    expect(await txm.check(0n)).toBe('pending')
    expect(store.get(0n)!.minedBlock).toBe(100n)
    l1.receipts.clear()
    l1.pool.clear()
    expect(await txm.check(0n)).toBe('pending')
    expect(store.get(0n)!.minedBlock).toBeNull()
    expect(l1.pool.size).toBe(1)
    l1.receipts.set(h, r)
    l1.head = 101n
    expect(await txm.check(0n)).toBe('confirmed')
  })

  it('a reverted commit fails loudly; a foreign tx on our nonce with later batches in flight stays loud', async () => {
    const a = await setup()
    await a.txm.send(0n)
    const h = a.store.attempts(0n)[0]!.txHash
    a.l1.receipts.set(h, {
      blockNumber: 100n,
      blockHash: ROOT,
      status: 'reverted',
      gasUsed: 1n,
      effectiveGasPrice: 1n,
      blobGasUsed: 0n,
      blobGasPrice: 0n,
    })
    await expect(a.txm.check(0n)).rejects.toBeInstanceOf(CommitRevertedError)
    expect(a.store.get(0n)!.status).toBe('failed')
    rmSync(dir!, { recursive: true, force: true })

    const b = await setup()
    await b.txm.send(0n)
    await b.txm.send(1n)
    b.l1.pool.clear()
    b.l1.refuse = 'nonce too low'
    b.l1.confirmedNonce = 1
    // batch 1 already holds nonce 1: re-signing batch 0 would land after it, so stay loud
    await expect(b.txm.check(0n)).rejects.toBeInstanceOf(ReconcileError)
  })

  it('a nonce taken by a foreign tx: waits while only pooled, then re-signs at a fresh nonce', async () => {
    const a = await setup()
    await a.txm.send(0n)
    a.l1.pool.clear()
    a.l1.refuse = 'nonce too low'
    // not confirmed on L1 yet (only a pool conflict): no new nonce
    expect(await a.txm.check(0n)).toBe('pending')
    expect(a.store.attempts(0n)).toHaveLength(1)
    a.l1.confirmedNonce = 1
    expect(await a.txm.check(0n)).toBe('pending')
    const [old, fresh] = a.store.attempts(0n)
    expect([old!.nonce, fresh!.nonce]).toEqual([0, 1])
    expect(a.store.get(0n)!.nonce).toBe(1)
    // the next batch takes the nonce after it
    await a.txm.send(1n)
    expect(a.store.attempts(1n)[0]!.nonce).toBe(2)
  })
})
