import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecoveredTx } from '@lanes/core'
import type { Hex } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import type { DerivedBatch } from './derive-batch.js'
import { InvalidBatchError } from './errors.js'
import type { FollowerCheckpoint, FollowerEvent } from './follower.js'
import { ScanStore } from './scan-store.js'

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const identity = { l1GenesisHash: h(1), rollup: '0xabc', startBlock: 5n, chainId: 42069n }
const ckpt = (next: bigint): FollowerCheckpoint => ({
  nextL1Block: next,
  recent: [{ number: next - 1n, hash: h(Number(next)) }],
  contexts: [{ index: 0n, stamp: 7n, addresses: [`0x${'11'.repeat(20)}`] }],
})

/** A derived batch with one block holding the given tx hashes (only what the store reads). */
function batch(index: bigint, l1Block: bigint, txHashes: number[]): FollowerEvent {
  const txs = txHashes.map(
    (t) => ({ hash: h(t), type: 2, from: h(9).slice(0, 42), to: null, value: 1n }) as unknown,
  ) as RecoveredTx[]
  const b = {
    index,
    header: { firstBlock: index * 10n + 1n, lastBlock: index * 10n + 1n, postStateRoot: h(77) },
    blocks: [{ number: index * 10n + 1n, txs, deposits: [] }],
    daMode: 'calldata',
    payloadBytes: 100,
    l1: { l1BlockNumber: l1Block, l1TxHash: h(1000 + Number(l1Block)), logIndex: 0 },
  } as unknown as DerivedBatch
  return { type: 'batch', batch: b }
}

const invalid = (index: bigint, l1Block: bigint): FollowerEvent => ({
  type: 'invalid',
  batchIndex: index,
  l1TxHash: h(5),
  l1Block,
  error: new InvalidBatchError(
    { batchIndex: index, l1TxHash: h(5), l1BlockNumber: l1Block },
    'bad compression',
  ),
})

const listed = (s: ScanStore) => s.batches().map((b) => [b.index, b.l1Block, b.finalized])

describe('ScanStore', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const file = () => {
    const d = mkdtempSync(join(tmpdir(), 'lanes-scan-'))
    dirs.push(d)
    return join(d, 'scan.sqlite')
  }

  it('keeps batches, txs, finalization and the checkpoint across reopening', () => {
    const f = file()
    const s = new ScanStore(f, identity)
    s.apply([batch(0n, 10n, [1, 2]), batch(1n, 11n, [3])], ckpt(12n))
    s.apply([{ type: 'finalized', batchIndex: 0n, postStateRoot: h(77), l1Block: 13n }], ckpt(14n))
    s.close()
    const again = new ScanStore(f, identity)
    expect(again.checkpoint()).toEqual(ckpt(14n))
    expect(listed(again)).toEqual([
      ['0', '10', true],
      ['1', '11', false],
    ])
    expect(again.findTx(h(3))).toMatchObject({ l2Block: '11', batch: { index: '1' } })
    expect(again.findTx(h(1))?.finalized).toBe(true)
    const one = again.batch(1n)
    expect(one && 'doc' in one ? one.doc.blocks[0]!.txs.map((t) => t.hash) : []).toEqual([h(3)])
    expect(again.batch(2n)).toBeUndefined()
    again.close()
  })

  it('a revert hides batches, a re-commit replaces them, an L1 reorg undoes both', () => {
    const s = new ScanStore(':memory:', identity)
    s.apply([batch(0n, 10n, [1]), batch(1n, 10n, [2]), batch(2n, 11n, [3])], ckpt(12n))
    s.apply([{ type: 'reverted', fromIndex: 1n, l1Block: 12n }], ckpt(13n))
    expect(listed(s)).toEqual([['0', '10', false]])
    expect(s.findTx(h(2))).toBeUndefined()
    s.apply([batch(1n, 14n, [4]), invalid(2n, 14n)], ckpt(15n))
    expect(listed(s)).toEqual([
      ['0', '10', false],
      ['1', '14', false],
    ])
    expect(s.batch(2n)).toEqual({ invalid: expect.stringContaining('bad compression') })
    expect(s.invalid()).toEqual([
      { index: '2', reason: expect.stringContaining('bad compression') },
    ])
    // L1 loses blocks 12..: the revert and the re-commits are gone, the old batches are back
    s.apply([{ type: 'rewind', l1Block: 11n }], ckpt(12n))
    expect(s.checkpoint()?.nextL1Block).toBe(12n)
    expect(listed(s)).toEqual([
      ['0', '10', false],
      ['1', '10', false],
      ['2', '11', false],
    ])
    expect(s.findTx(h(2))?.batch.index).toBe('1')
    expect(s.findTx(h(4))).toBeUndefined()
    expect(s.invalid()).toEqual([])
    s.close()
  })

  it('a rewind drops finalizations made in the lost blocks', () => {
    const s = new ScanStore(':memory:', identity)
    s.apply([batch(0n, 10n, [1])], ckpt(11n))
    s.apply([{ type: 'finalized', batchIndex: 0n, postStateRoot: h(77), l1Block: 12n }], ckpt(13n))
    s.apply([{ type: 'rewind', l1Block: 11n }], ckpt(12n))
    expect(listed(s)).toEqual([['0', '10', false]])
    s.close()
  })

  it('applying the same step twice changes nothing; the checkpoint never moves back', () => {
    const s = new ScanStore(':memory:', identity)
    const step = [batch(0n, 10n, [1]), batch(1n, 11n, [2])]
    s.apply(step, ckpt(12n))
    s.apply([batch(2n, 12n, [3])], ckpt(13n))
    s.apply(step, ckpt(12n)) // a second run that started from the older checkpoint
    expect(listed(s).map((r) => r[0])).toEqual(['0', '1', '2'])
    expect(s.findTx(h(1))?.batch.index).toBe('0')
    expect(s.checkpoint()?.nextL1Block).toBe(13n)
    s.close()
  })

  it('drops a file written for another chain, Rollup or L1', () => {
    const f = file()
    const s = new ScanStore(f, identity)
    s.apply([batch(0n, 10n, [1])], ckpt(11n))
    s.close()
    for (const other of [
      { ...identity, l1GenesisHash: h(2) },
      { ...identity, rollup: '0xdef' },
      { ...identity, startBlock: 6n },
      { ...identity, chainId: 1n },
    ]) {
      const fresh = new ScanStore(f, other)
      expect(fresh.checkpoint()).toBeUndefined()
      expect(fresh.batches()).toEqual([])
      fresh.apply([batch(0n, 10n, [1])], ckpt(11n))
      fresh.close()
    }
  })
})
