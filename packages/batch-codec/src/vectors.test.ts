import { readFileSync, writeFileSync } from 'node:fs'
import { decodeTransaction, fromHex, keccak256Hex, toHex } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toBlobs } from './blob.js'
import { type BatchContext, batchAddresses, buildBatchContext } from './context.js'
import { decodeBatch } from './decode.js'
import { encodeBatch, encodeBatchBody } from './encode.js'
import { BatchDecodeError } from './errors.js'
import { arbBatch } from './test-utils.js'
import type { Batch } from './types.js'

// Conformance vectors for other implementations (see README §10). Regenerate with
// UPDATE_VECTORS=1 only when the format changes on purpose.
const file = new URL('../vectors/batch-v4.json', import.meta.url)
const chainId = 42_069n

type JsonBatch = {
  header: Record<string, string | number>
  blocks: Array<{
    number: string
    timestamp: string
    l1OriginNumber: string
    depositCursor: string
    stateRoot: string
    txs: Array<{ hash: string; raw: string }>
  }>
}
type Vectors = {
  chainId: string
  valid: Array<{
    name: string
    /** the address table (README §3.5) the payload was encoded against; absent = none */
    context?: string[]
    contextHash: string
    payload: string
    body: string
    batch: JsonBatch
  }>
  invalid: Array<{ name: string; context?: string[]; payload: string; error: string }>
  blobs: Array<{ name: string; payload: string; blobs: Array<{ keccak256: string; head: string }> }>
  /** the table a batch after the valid ones (newest first, as named) would reference */
  chainContext: { from: string[]; table: string[]; hash: string }
}

function toJson(batch: Batch): JsonBatch {
  const h = batch.header
  return {
    header: {
      version: h.version,
      chainId: h.chainId.toString(),
      batchIndex: h.batchIndex.toString(),
      firstBlock: h.firstBlock.toString(),
      lastBlock: h.lastBlock.toString(),
      parentStateRoot: h.parentStateRoot,
      postStateRoot: h.postStateRoot,
      l1OriginFirst: h.l1OriginFirst.toString(),
      l1OriginLast: h.l1OriginLast.toString(),
      depositCursorStart: h.depositCursorStart.toString(),
      depositCursorEnd: h.depositCursorEnd.toString(),
    },
    blocks: batch.blocks.map((b) => ({
      number: b.number.toString(),
      timestamp: b.timestamp.toString(),
      l1OriginNumber: b.l1OriginNumber.toString(),
      depositCursor: b.depositCursor.toString(),
      stateRoot: b.stateRoot,
      txs: b.txs.map((t) => ({ hash: t.hash, raw: toHex(t.raw) })),
    })),
  }
}

function fromJson(j: JsonBatch): Batch {
  const h = j.header
  const big = (k: string) => BigInt(h[k]!)
  return {
    header: {
      version: Number(h.version),
      chainId: big('chainId'),
      batchIndex: big('batchIndex'),
      firstBlock: big('firstBlock'),
      lastBlock: big('lastBlock'),
      parentStateRoot: h.parentStateRoot as `0x${string}`,
      postStateRoot: h.postStateRoot as `0x${string}`,
      l1OriginFirst: big('l1OriginFirst'),
      l1OriginLast: big('l1OriginLast'),
      depositCursorStart: big('depositCursorStart'),
      depositCursorEnd: big('depositCursorEnd'),
    },
    blocks: j.blocks.map((b) => ({
      number: BigInt(b.number),
      timestamp: BigInt(b.timestamp),
      l1OriginNumber: BigInt(b.l1OriginNumber),
      depositCursor: BigInt(b.depositCursor),
      stateRoot: b.stateRoot as `0x${string}`,
      txs: b.txs.map((t) => decodeTransaction(fromHex(t.raw), { chainId })),
    })),
  }
}

function poke(p: Uint8Array, at: number, value: number): Uint8Array {
  p[at] = value
  return p
}

function errorName(f: () => unknown): string {
  try {
    f()
  } catch (err) {
    if (err instanceof BatchDecodeError) return err.name
    throw err
  }
  return 'none'
}

const OTHER = '0x00000000000000000000000000000000000000aa'

/**
 * A context holding every other address the batch names (so some are table refs, some
 * literals) behind one it does not use (so indexes do not start at 0).
 */
function contextFor(b: Batch): BatchContext {
  const own = [...new Set(batchAddresses(b.blocks.flatMap((x) => x.txs)))]
  return buildBatchContext([[OTHER as `0x${string}`], own.filter((_, i) => i % 2 === 0)])
}

const ctxOf = (table: string[] | undefined) =>
  table ? { context: buildBatchContext([table as `0x${string}`[]]) } : {}

function generate(): Vectors {
  const batches = fc.sample(arbBatch(chainId), { numRuns: 4, seed: 2026 })
  const valid = batches.map((b, i) => {
    // the first is self-contained; the others reference a table
    const context = i === 0 ? undefined : contextFor(b)
    return {
      name: `random-${i}${context ? '-with-context' : ''}`,
      ...(context ? { context: [...context.table] } : {}),
      contextHash: (context ?? buildBatchContext([])).hash,
      payload: toHex(encodeBatch(b, { quality: 11, ...(context ? { context } : {}) })),
      body: toHex(encodeBatchBody(b, context)),
      batch: toJson(b),
    }
  })
  const good = fromHex(valid[0]!.payload)
  const mutate = (f: (p: Uint8Array) => Uint8Array) => toHex(f(good.slice()))
  const withCtx = valid[1]!
  const invalid = [
    { name: 'empty', payload: '0x' },
    { name: 'version-3', payload: mutate((p) => poke(p, 0, 3)) },
    { name: 'truncated', payload: mutate((p) => p.subarray(0, p.length - 3)) },
    { name: 'trailing-byte', payload: mutate((p) => Uint8Array.from([...p, 0])) },
    { name: 'wrong-chain', payload: mutate((p) => poke(p, 1, 1)) },
    { name: 'context-missing', payload: withCtx.payload },
    {
      name: 'context-wrong',
      context: [...withCtx.context!].reverse(),
      payload: withCtx.payload,
    },
  ].map((v) => ({
    ...v,
    error: errorName(() => decodeBatch(fromHex(v.payload), { chainId, ...ctxOf(v.context) })),
  }))
  const blobPayload = new Uint8Array(130_100).map((_, i) => (i * 7 + 3) & 0xff)
  const blobs = [
    {
      name: 'two-blobs',
      payload: `keccak256 of the payload ${keccak256Hex(blobPayload)}; byte i = (7i + 3) mod 256, 130100 bytes`,
      blobs: toBlobs(blobPayload).map((b) => ({
        keccak256: keccak256Hex(b),
        head: toHex(b.subarray(0, 160)),
      })),
    },
  ]
  const from = [...valid].reverse()
  const chain = buildBatchContext(
    from.map((v) => batchAddresses(fromJson(v.batch).blocks.flatMap((b) => b.txs))),
  )
  const chainContext = { from: from.map((v) => v.name), table: [...chain.table], hash: chain.hash }
  return { chainId: chainId.toString(), valid, invalid, blobs, chainContext }
}

describe('conformance vectors (vectors/batch-v4.json)', () => {
  if (process.env.UPDATE_VECTORS) writeFileSync(file, `${JSON.stringify(generate(), null, 1)}\n`)
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as Vectors

  it('decodes every valid payload to the stated batch and re-encodes the same body', () => {
    for (const v of vectors.valid) {
      const { context } = ctxOf(v.context)
      expect((context ?? buildBatchContext([])).hash).toBe(v.contextHash)
      const batch = decodeBatch(fromHex(v.payload), { chainId, ...ctxOf(v.context) })
      expect(toJson(batch)).toEqual(v.batch)
      expect(toHex(encodeBatchBody(fromJson(v.batch), context))).toBe(v.body)
    }
  })

  it('rejects every invalid payload with the stated error', () => {
    for (const v of vectors.invalid) {
      expect(v.error).not.toBe('none')
      expect(
        errorName(() => decodeBatch(fromHex(v.payload), { chainId, ...ctxOf(v.context) })),
      ).toBe(v.error)
    }
  })

  it('builds the stated table from the address lists of the valid batches', () => {
    const { from, table, hash } = vectors.chainContext
    const byName = new Map(vectors.valid.map((v) => [v.name, fromJson(v.batch)]))
    const got = buildBatchContext(
      from.map((name) => batchAddresses(byName.get(name)!.blocks.flatMap((b) => b.txs))),
    )
    expect([...got.table]).toEqual(table)
    expect(got.hash).toBe(hash)
  })

  it('packs blobs to the stated bytes', () => {
    const payload = new Uint8Array(130_100).map((_, i) => (i * 7 + 3) & 0xff)
    const got = toBlobs(payload).map((b) => ({
      keccak256: keccak256Hex(b),
      head: toHex(b.subarray(0, 160)),
    }))
    expect(got).toEqual(vectors.blobs[0]!.blobs)
  })
})
