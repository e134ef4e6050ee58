import {
  BatchContextRequiredError,
  batchAddresses,
  decodeBatch,
  EMPTY_BATCH_CONTEXT,
} from '@lanes/batch-codec'
import { decodeTransaction } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import { batchHeaderFor, encodeChecked } from './batch.js'
import { BatcherContexts, tableFromJob, tableToJob } from './batch-context.js'
import type { BatchRecord } from './store.js'
import { FakeSequencer } from './testing/fake-sequencer.js'

const chainId = 901n

describe('address tables of the previous batches (batch-codec §3.5)', async () => {
  const seq = new FakeSequencer(chainId, `0x${'11'.repeat(32)}`)
  for (let i = 0; i < 6; i++) await seq.sealBlock(2 + i, 10)
  // batch j covers block j + 1
  const records = new Map<bigint, BatchRecord>()
  const record = (j: bigint, status = 'confirmed') =>
    ({
      batchIndex: j,
      firstBlock: j + 1n,
      lastBlock: j + 1n,
      postRoot: seq.rootOf(j + 1n),
      status,
    }) as BatchRecord
  for (let j = 0n; j < 5n; j++) records.set(j, record(j))
  let fetched = 0
  const contexts = new BatcherContexts({
    chainId,
    record: (j) => records.get(j),
    blocks: (from, to) => {
      fetched++
      return seq.getBlockRange(from, to)
    },
  })
  const addressesOf = (n: number) =>
    batchAddresses(seq.blocks[n]!.txs.map((raw) => decodeTransaction(raw, { chainId })))

  it('builds the table from the recorded batches, newest first, reading their blocks once', async () => {
    const ctx = await contexts.contextFor(5n)
    // block 5 (batch 4) has the most recipients; older batches add nothing new
    expect(ctx.table).toEqual([...new Set(addressesOf(4))])
    expect(fetched).toBe(5)
    expect((await contexts.contextFor(5n)).hash).toBe(ctx.hash)
    expect(fetched).toBe(5)
    expect((await contexts.contextFor(0n)).hash).toBe(EMPTY_BATCH_CONTEXT.hash)
  })

  it('re-reads a replaced batch; without a usable record the batch is self-contained', async () => {
    records.set(4n, { ...record(4n), lastBlock: 6n, postRoot: seq.rootOf(6n) })
    await contexts.contextFor(5n)
    expect(fetched).toBe(6)
    records.set(2n, record(2n, 'failed'))
    expect(await contexts.contextFor(5n)).toBe(EMPTY_BATCH_CONTEXT)
    records.delete(2n)
    expect(await contexts.contextFor(5n)).toBe(EMPTY_BATCH_CONTEXT)
    records.set(2n, record(2n))
  })

  it('the compress step encodes against the table and checks its own bytes with it', async () => {
    const ctx = await contexts.contextFor(5n)
    expect(tableFromJob(tableToJob(ctx)).hash).toBe(ctx.hash)
    const start = { batchIndex: 5n, firstBlock: 6n, parentRoot: seq.rootOf(5n), depositCursor: 0n }
    const blocks = [seq.blocks[5]!]
    const payload = encodeChecked(batchHeaderFor(start, blocks, chainId), blocks, ctx)
    expect(payload.length).toBeLessThan(
      encodeChecked(batchHeaderFor(start, blocks, chainId), blocks).length,
    )
    expect(() => decodeBatch(payload, { chainId })).toThrow(BatchContextRequiredError)
    const txs = decodeBatch(payload, { chainId, context: ctx }).blocks[0]!.txs
    expect(txs.map((t) => t.raw)).toEqual(blocks[0]!.txs)
  })
})
