import zlib from 'node:zlib'
import { type Address, decodeTransaction, type SignedTx, serializeSignedTx } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from './bytes.js'
import {
  type BatchContext,
  batchAddresses,
  buildBatchContext,
  EMPTY_BATCH_CONTEXT,
} from './context.js'
import { BatchContextChain } from './context-chain.js'
import { decodeBatch, decodeBatchContextHash } from './decode.js'
import { encodeBatch, encodeBatchBody, encodeBatchColumns } from './encode.js'
import {
  BatchContextMismatchError,
  BatchContextRequiredError,
  BatchContextUnavailableError,
  BatchDecodeError,
} from './errors.js'
import { arbBatch, arbBytes } from './test-utils.js'
import type { Batch } from './types.js'

const chainId = 42_069n
const txsOf = (b: Batch): SignedTx[] => b.blocks.flatMap((x) => x.txs)

/** A batch with a context holding a random part of its own addresses among random others. */
const arbBatchWithContext: fc.Arbitrary<{ batch: Batch; context: BatchContext }> = arbBatch(
  chainId,
).chain((batch) => {
  const own = [...new Set(batchAddresses(txsOf(batch)))]
  return fc
    .tuple(
      fc.subarray(own),
      fc.array(arbBytes(20) as fc.Arbitrary<Address>, { maxLength: 5 }),
      fc.array(arbBytes(20) as fc.Arbitrary<Address>, { maxLength: 3 }),
    )
    .map(([mine, others, older]) => ({
      batch,
      context: buildBatchContext([[...others, ...mine], older]),
    }))
})

function payloadWithBody(batch: Batch, context: BatchContext, body: Uint8Array): Uint8Array {
  const real = encodeBatch(batch, { quality: 1, context })
  const realBody = encodeBatchBody(batch, context)
  const len = new ByteWriter()
  len.uvarint(realBody.length)
  const compressed = zlib.brotliCompressSync(realBody, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
  })
  const out = new ByteWriter()
  out.bytes(real.subarray(0, real.length - compressed.length - len.length))
  out.uvarint(body.length)
  out.bytes(zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }))
  return out.finish()
}

describe('address table context (README §3.5)', () => {
  it('round-trips random batches against random contexts', () => {
    fc.assert(
      fc.property(arbBatchWithContext, ({ batch, context }) => {
        const payload = encodeBatch(batch, { quality: 1, context })
        // a batch that finds none of its addresses in the table is written self-contained
        const hit = batchAddresses(txsOf(batch)).some((a) => context.index.has(a))
        expect(decodeBatchContextHash(payload, { chainId })).toBe(
          hit ? context.hash : EMPTY_BATCH_CONTEXT.hash,
        )
        expect(decodeBatch(payload, { chainId, context })).toEqual(batch)
        if (!hit) expect(decodeBatch(payload, { chainId })).toEqual(batch)
      }),
      { numRuns: 150 },
    )
  })

  it('references table addresses instead of writing them, as `to` and as ABI words', () => {
    const a = `0x${'11'.repeat(20)}` as Address
    const b = `0x${'22'.repeat(20)}` as Address
    const [batch] = fc.sample(
      arbBatch(chainId).filter((x) =>
        txsOf(x).some((t) => t.to !== null && t.maxFeePerGas < 1n << 100n),
      ),
      { numRuns: 1, seed: 11 },
    )
    const own = [...new Set(batchAddresses(txsOf(batch!)))]
    const context = buildBatchContext([[a, ...own], [b]])
    const cols = new Map(encodeBatchColumns(batch!, context).map((c) => [c.name, c.bytes]))
    expect(cols.get('C8 to addresses')!.length).toBe(0)
    expect(cols.get('C8a to table refs')!.length).toBeGreaterThan(0)
    const cold = new Map(encodeBatchColumns(batch!).map((c) => [c.name, c.bytes]))
    expect(cold.get('C8a to table refs')!.length).toBe(0)
    expect(cold.get('C8 to addresses')!.length).toBeGreaterThan(0)

    // an ERC20 transfer to a table address: the recipient word is a table ref
    const tx = txsOf(batch!).find((t) => t.to !== null && t.maxFeePerGas < 1n << 100n)!
    const data = new Uint8Array(68)
    data.set([0xa9, 0x05, 0x9c, 0xbb])
    data.set(Buffer.from(b.slice(2), 'hex'), 4 + 12)
    data[67] = 7
    const erc20 = decodeTransaction(
      serializeSignedTx({ ...tx, data, gasLimit: tx.gasLimit + 100_000n }),
      { chainId },
    )
    const one: Batch = { ...batch!, blocks: [{ ...batch!.blocks[0]!, txs: [erc20] }] }
    const single = { ...one, header: { ...one.header, lastBlock: one.header.firstBlock } }
    single.blocks[0]!.stateRoot = single.header.postStateRoot
    single.header.l1OriginLast = single.blocks[0]!.l1OriginNumber
    single.header.depositCursorEnd = single.blocks[0]!.depositCursor
    const words = new Map(encodeBatchColumns(single, context).map((c) => [c.name, c.bytes]))
    expect(words.get('C21a word table refs')!.length).toBe(1)
    expect(decodeBatch(encodeBatch(single, { quality: 1, context }), { chainId, context })).toEqual(
      single,
    )
    expect(batchAddresses([{ to: tx.to, data }])).toEqual([tx.to!.toLowerCase(), b])
  })

  it('a batch names its context; a missing or different context is a typed error', () => {
    const { batch, context } = fc.sample(
      arbBatchWithContext.filter((x) =>
        batchAddresses(txsOf(x.batch)).some((a) => x.context.index.has(a)),
      ),
      { numRuns: 1, seed: 5 },
    )[0]!
    const payload = encodeBatch(batch, { quality: 1, context })
    expect(() => decodeBatch(payload, { chainId })).toThrow(BatchContextRequiredError)
    const other = buildBatchContext([[...context.table].reverse().slice(0, -1)])
    expect(() => decodeBatch(payload, { chainId, context: other })).toThrow(
      BatchContextMismatchError,
    )
    expect(() => decodeBatch(payload, { chainId, context: EMPTY_BATCH_CONTEXT })).toThrow(
      BatchContextMismatchError,
    )
    // a self-contained batch decodes without a context, and the same with any context
    const cold = encodeBatch(batch, { quality: 1 })
    expect(decodeBatch(cold, { chainId })).toEqual(batch)
    expect(decodeBatch(cold, { chainId, context })).toEqual(batch)
  })

  it('never crashes on mutated bodies that reference a table: only BatchDecodeError', () => {
    const cases = fc
      .sample(
        arbBatchWithContext.filter((x) => x.context.table.length > 0),
        { numRuns: 8, seed: 9 },
      )
      .map(({ batch, context }) => ({ batch, context, body: encodeBatchBody(batch, context) }))
    const seen = new Set<string>()
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: cases.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const c = cases[which]!
          const body = c.body.slice()
          for (const [at, v] of edits) body[at % body.length] = v
          try {
            decodeBatch(payloadWithBody(c.batch, c.context, body), {
              chainId,
              context: c.context,
            })
          } catch (err) {
            if (!(err instanceof BatchDecodeError)) throw err
            seen.add(err.name)
          }
        },
      ),
      { numRuns: 300 },
    )
    expect(seen).toContain('MalformedBatchError')
  })

  it('builds the table newest batch first, each address once, from `to` and address words', () => {
    const x = `0x${'aa'.repeat(20)}` as Address
    const y = `0x${'bb'.repeat(20)}` as Address
    const z = `0x${'cc'.repeat(20)}` as Address
    const ctx = buildBatchContext([
      [y, x, y],
      [z, x],
    ])
    expect(ctx.table).toEqual([y, x, z])
    expect(ctx.index.get(z)).toBe(2)
    expect(buildBatchContext([[x.toUpperCase().replace('0X', '0x') as Address]]).table).toEqual([x])
    expect(() => buildBatchContext([['0x12' as Address]])).toThrow(BatchContextUnavailableError)
    // words: 12 zero bytes then a nonzero byte; a small number (byte 12 zero) is not an address
    const word = (hex: string) => hex.padStart(64, '0')
    const data = Uint8Array.from(
      Buffer.from(`a9059cbb${word(z.slice(2))}${word('05')}${word(`ff${'00'.repeat(31)}`)}`, 'hex'),
    )
    expect(batchAddresses([{ to: null, data }])).toEqual([z])
    expect(batchAddresses([{ to: x, data: data.subarray(0, 40) }])).toEqual([x])
  })
})

describe('BatchContextChain', () => {
  const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}` as Address

  it('builds batch i’s context from batches i−1 … i−depth and needs all of them', () => {
    const chain = new BatchContextChain(3)
    expect(chain.contextFor(0n)).toEqual(EMPTY_BATCH_CONTEXT)
    for (let i = 0; i < 6; i++) chain.set(BigInt(i), [addr(i + 1)])
    expect(chain.contextFor(6n).table).toEqual([addr(6), addr(5), addr(4)])
    expect(chain.contextFor(2n).table).toEqual([addr(2), addr(1)])
    expect(() => chain.contextFor(8n)).toThrow(BatchContextUnavailableError)
  })

  it('a replaced batch drops its successors; revert and L1 rewind undo in order', () => {
    const chain = new BatchContextChain(4)
    for (let i = 0; i < 4; i++) chain.set(BigInt(i), [addr(i + 1)], 10n + BigInt(i))
    const before = chain.contextFor(4n).hash
    chain.truncate(2n, 20n) // revertBatches(2) at L1 block 20
    expect(chain.has(2n)).toBe(false)
    expect(chain.has(3n)).toBe(false)
    chain.set(2n, [addr(99)], 21n) // the replacement
    expect(chain.contextFor(3n).table).toEqual([addr(99), addr(2), addr(1)])
    // replacing batch 1 forgets 2
    chain.set(1n, [addr(77)], 22n)
    expect(chain.has(2n)).toBe(false)
    // an L1 reorg back to block 19 undoes the revert and both replacements
    chain.rewindTo(19n)
    expect(chain.contextFor(4n).hash).toBe(before)
    // a chain restored from a checkpoint (no undo records) still drops later entries
    const restored = new BatchContextChain(4, chain.entries())
    expect(restored.contextFor(4n).hash).toBe(before)
    restored.rewindTo(12n)
    expect(restored.entries().map((e) => e.index)).toEqual([0n, 1n, 2n])
    // and back to block 11 forgets what came after it
    chain.rewindTo(11n)
    expect(chain.entries().map((e) => e.index)).toEqual([0n, 1n])
    chain.pruneBelow(1n)
    expect(() => chain.contextFor(2n)).toThrow(BatchContextUnavailableError)
  })
})
