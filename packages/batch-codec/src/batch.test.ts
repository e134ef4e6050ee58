import zlib from 'node:zlib'
import {
  decodeTransaction,
  type SignedTx,
  type SignedTxFields,
  serializeSignedTx,
} from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from './bytes.js'
import { decodeBatch, decodeBatchHeader } from './decode.js'
import { encodeBatch, encodeBatchBody, encodeBatchColumns } from './encode.js'
import {
  BatchDecodeError,
  BatchEncodeError,
  BatchHeaderMismatchError,
  BatchPostRootMismatchError,
  BatchTooLargeError,
  MalformedBatchError,
  UnsupportedBatchVersionError,
} from './errors.js'
import { arbBatch } from './test-utils.js'
import { BATCH_VERSION, type Batch } from './types.js'

const chainId = 42_069n

function sample(): Batch {
  return fc.sample(
    arbBatch(chainId).filter((b) => b.blocks.some((x) => x.txs.length > 2)),
    { numRuns: 1, seed: 7 },
  )[0]!
}

/** Rebuilds a payload around a hand-made body (header fields from `batch`). */
function payloadWithBody(batch: Batch, body: Uint8Array, declared = body.length): Uint8Array {
  const real = encodeBatch(batch, { quality: 1 })
  const realBody = encodeBatchBody(batch)
  // Header bytes = everything before the bodyLength uvarint, found by re-encoding it.
  const lenBytes = new ByteWriter()
  lenBytes.uvarint(realBody.length)
  const compressed = zlib.brotliCompressSync(realBody, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
  })
  const headerEnd = real.length - compressed.length - lenBytes.length
  const out = new ByteWriter()
  out.bytes(real.subarray(0, headerEnd))
  out.uvarint(declared)
  out.bytes(zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }))
  return out.finish()
}

/** A one-block batch with the header and first block of `batch` and the given txs. */
function oneBlock(batch: Batch, txs: SignedTx[]): Batch {
  const block = { ...batch.blocks[0]!, stateRoot: batch.header.postStateRoot, txs }
  return {
    header: {
      ...batch.header,
      lastBlock: batch.header.firstBlock,
      l1OriginLast: block.l1OriginNumber,
      depositCursorEnd: block.depositCursor,
    },
    blocks: [block],
  }
}

describe('encodeBatch / decodeBatch', () => {
  it('round-trips random batches of all tx types', () => {
    fc.assert(
      fc.property(arbBatch(chainId), fc.integer({ min: 0, max: 11 }), (batch, quality) => {
        const payload = encodeBatch(batch, { quality: quality > 9 ? 5 : quality })
        expect(decodeBatch(payload, { chainId })).toEqual(batch)
      }),
      { numRuns: 100 },
    )
  })

  it('round-trips with the default (budgeted) quality', () => {
    const batch = sample()
    expect(decodeBatch(encodeBatch(batch), { chainId })).toEqual(batch)
  })

  it('reads the header without decompressing', () => {
    const batch = sample()
    expect(decodeBatchHeader(encodeBatch(batch), { chainId })).toEqual(batch.header)
  })

  it('rejects another version, another chain, an empty payload', () => {
    const payload = encodeBatch(sample(), { quality: 1 })
    expect(() => decodeBatch(new Uint8Array(0), { chainId })).toThrow(UnsupportedBatchVersionError)
    for (const version of [1, BATCH_VERSION - 1, BATCH_VERSION + 1]) {
      const other = payload.slice()
      other[0] = version
      expect(() => decodeBatch(other, { chainId })).toThrow(UnsupportedBatchVersionError)
    }
    expect(() => decodeBatch(payload, { chainId: 1n })).toThrow(BatchHeaderMismatchError)
  })

  it('rejects truncated payloads and bytes after the brotli stream', () => {
    const payload = encodeBatch(sample(), { quality: 5 })
    for (const cut of [1, 10, 80, payload.length - 1])
      expect(() => decodeBatch(payload.subarray(0, cut), { chainId })).toThrow(BatchDecodeError)
    const extra = new Uint8Array(payload.length + 1)
    extra.set(payload)
    expect(() => decodeBatch(extra, { chainId })).toThrow(/follow the brotli stream/)
  })

  it('bounds the decompressed size before and while decompressing', () => {
    const batch = sample()
    const payload = encodeBatch(batch, { quality: 1 })
    expect(() => decodeBatch(payload, { chainId, maxDecompressedBytes: 100 })).toThrow(
      BatchTooLargeError,
    )
    // A bomb: 20 MB of zeros declared as 1,000 bytes stops at the cap, quickly.
    const bomb = payloadWithBody(batch, new Uint8Array(20_000_000), 1000)
    const t = performance.now()
    expect(() => decodeBatch(bomb, { chainId })).toThrow(BatchTooLargeError)
    expect(performance.now() - t).toBeLessThan(2000)
  })

  it('bounds how far zero words expand calldata', () => {
    const batch = sample()
    const base = batch.blocks.flatMap((b) => b.txs)[0]!
    const data = new Uint8Array(4 + 32 * 1000)
    data[0] = 0xaa
    const tx = decodeTransaction(
      serializeSignedTx({
        ...base,
        type: 2,
        data,
        gasLimit: 10_000_000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
        accessList: [],
      }),
      { chainId },
    )
    const big: Batch = { ...batch, blocks: batch.blocks.map((b) => ({ ...b, txs: [] })) }
    big.blocks[0]!.txs = Array.from({ length: 10 }, () => tx)
    const payload = encodeBatch(big, { quality: 5 })
    expect(decodeBatch(payload, { chainId })).toEqual(big)
    const bodyLength = encodeBatchBody(big).length
    expect(bodyLength).toBeLessThan(20_000) // 320 KB of calldata in under 20 KB of body
    expect(() => decodeBatch(payload, { chainId, maxDecompressedBytes: 100_000 })).toThrow(
      /calldata expands beyond 100000/,
    )
  })

  it('rejects a body shorter than declared or with trailing bytes', () => {
    const batch = sample()
    const body = encodeBatchBody(batch)
    expect(() => decodeBatch(payloadWithBody(batch, body, body.length + 1), { chainId })).toThrow(
      MalformedBatchError,
    )
    const longer = new Uint8Array(body.length + 1)
    longer.set(body)
    expect(() => decodeBatch(payloadWithBody(batch, longer), { chainId })).toThrow(/trailing/)
  })

  it('refuses inconsistent input when encoding', () => {
    const batch = sample()
    const bad = (mut: (b: Batch) => void) => {
      const copy = structuredClone(batch)
      mut(copy)
      return () => encodeBatch(copy)
    }
    expect(bad((b) => (b.header.lastBlock += 1n))).toThrow(BatchEncodeError)
    expect(bad((b) => (b.header.l1OriginLast += 1n))).toThrow(BatchEncodeError)
    expect(bad((b) => (b.header.depositCursorEnd += 1n))).toThrow(BatchEncodeError)
    expect(bad((b) => (b.header.version = 1))).toThrow(BatchEncodeError)
    expect(bad((b) => (b.header.chainId = 1n))).toThrow(BatchEncodeError)
    expect(bad((b) => (b.blocks[0]!.stateRoot = '0x1234'))).toThrow(/state root must be 32 bytes/)
    const lastRoot = bad((b) => (b.blocks.at(-1)!.stateRoot = `0x${'ee'.repeat(32)}`))
    expect(lastRoot).toThrow(BatchPostRootMismatchError)
    expect(lastRoot).toThrow(BatchEncodeError)
    expect(
      bad((b) => {
        const tx = b.blocks.flatMap((x) => x.txs)[0]!
        tx.nonce += 1n
      }),
    ).toThrow(/canonical serialization/)
  })

  it('never crashes on random or mutated bytes: only BatchDecodeError', () => {
    const payloads = fc.sample(arbBatch(chainId), { numRuns: 10, seed: 3 }).map((b) => ({
      payload: encodeBatch(b, { quality: 1 }),
      body: encodeBatchBody(b),
      batch: b,
    }))
    const seen = new Set<string>()
    const expectTyped = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        if (!(err instanceof BatchDecodeError)) throw err
        seen.add(err.name)
      }
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expectTyped(() => decodeBatch(bytes, { chainId }))
        const current = bytes.slice()
        if (current.length) current[0] = BATCH_VERSION
        expectTyped(() => decodeBatch(current, { chainId }))
      }),
      { numRuns: 300 },
    )
    // Mutating the compressed payload mostly hits brotli's checks; mutating the body itself
    // (then compressing it) reaches the column decoder.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: payloads.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, edits, inBody) => {
          const p = payloads[which]!
          const target = (inBody ? p.body : p.payload).slice()
          for (const [at, v] of edits) target[at % target.length] = v
          const bytes = inBody ? payloadWithBody(p.batch, target) : target
          expectTyped(() => decodeBatch(bytes, { chainId }))
        },
      ),
      { numRuns: 300 },
    )
    // The mutations must reach past brotli into the column and tx checks.
    expect(seen).toContain('MalformedBatchError')
    expect(seen).toContain('InvalidBatchTxError')
    expect(seen).toContain('UnsupportedBatchVersionError')
  })

  it('carries y-parity in bit 255 of s and fee caps as deltas over the tip', () => {
    const batch = sample()
    const base = batch.blocks.flatMap((b) => b.txs)[0]!
    const make = (fields: Partial<SignedTxFields>) =>
      decodeTransaction(serializeSignedTx({ ...base, accessList: [], ...fields }), { chainId })
    const legacy = make({ type: 0, gasPrice: 7n, yParity: 1, s: 5n })
    const eip1559 = make({ type: 2, maxFeePerGas: 300n, maxPriorityFeePerGas: 7n, yParity: 0 })
    const one = oneBlock(batch, [legacy, eip1559, eip1559])
    const cols = Object.fromEntries(encodeBatchColumns(one).map((c) => [c.name, c.bytes]))
    const s = cols['C3 y-parity and s']!
    expect(s[0]).toBe(0x80) // legacy: parity 1, s = 5
    expect(s[31]).toBe(5)
    expect(s[32]! >> 7).toBe(0)
    expect(Array.from(cols['C9 tip refs']!)).toEqual([0, 1, 1]) // one tip, 7
    expect(Array.from(cols['C10 tips']!)).toEqual([7])
    expect(Array.from(cols['C11 fee-cap refs']!)).toEqual([0, 0, 2]) // deltas 0, 293
    expect(Array.from(cols['C12 fee-cap deltas']!)).toEqual([0, 0xca, 0x04]) // zigzag 0, 586
    expect(decodeBatch(encodeBatch(one), { chainId })).toEqual(one)
    // A legacy tx has a single gas price: a nonzero delta is malformed, not another tx.
    const forged = encodeBatchColumns(oneBlock(batch, [legacy])).map((c) =>
      c.name === 'C12 fee-cap deltas' ? Uint8Array.of(2) : c.bytes,
    )
    const body = new ByteWriter()
    for (const c of forged) body.bytes(c)
    expect(() =>
      decodeBatch(payloadWithBody(oneBlock(batch, [legacy]), body.finish()), { chainId }),
    ).toThrow(/fee cap above its gas price/)
  })

  it("carries every block's state root in B5 but the last, which is the header's post root", () => {
    const batch = fc.sample(
      arbBatch(chainId).filter((b) => b.blocks.length >= 3),
      { numRuns: 1, seed: 11 },
    )[0]!
    const n = batch.blocks.length
    batch.blocks[1]!.stateRoot = `0x${'5a'.repeat(32)}`
    const cols = encodeBatchColumns(batch)
    expect(cols.map((c) => c.name).slice(0, 6)).toEqual([
      'B1 timestamps',
      'B2 L1 origins',
      'B3 deposit cursors',
      'B4 tx counts',
      'B5 state roots',
      'C1 types',
    ])
    const b5 = cols[4]!.bytes
    expect(b5.length).toBe(32 * (n - 1))
    expect(Buffer.from(b5.subarray(32, 64)).toString('hex')).toBe('5a'.repeat(32))
    const decoded = decodeBatch(encodeBatch(batch, { quality: 5 }), { chainId })
    expect(decoded.blocks.map((b) => b.stateRoot)).toEqual(batch.blocks.map((b) => b.stateRoot))
    expect(decoded.blocks.at(-1)!.stateRoot).toBe(batch.header.postStateRoot)
    // a body cut inside B5 is malformed, not a batch with fewer roots
    const cut = cols.slice(0, 4).map((c) => c.bytes)
    cut.push(b5.subarray(0, b5.length - 1))
    const body = new ByteWriter()
    for (const c of cut) body.bytes(c)
    expect(() => decodeBatch(payloadWithBody(batch, body.finish()), { chainId })).toThrow(
      MalformedBatchError,
    )
  })

  it('codes ABI calldata by words: decimal amounts and addresses lose their padding', () => {
    const batch = sample()
    const tx = batch.blocks.flatMap((b) => b.txs)[0]!
    const amount = 1234n * 10n ** 18n
    const data = Buffer.from(
      `a9059cbb${'00'.repeat(12)}${'ab'.repeat(20)}${amount.toString(16).padStart(64, '0')}`,
      'hex',
    )
    const fields = { ...tx, data: new Uint8Array(data) }
    const erc20 = decodeTransaction(serializeSignedTx(fields), { chainId })
    const one = oneBlock(batch, [erc20])
    const cols = Object.fromEntries(encodeBatchColumns(one).map((c) => [c.name, c.bytes]))
    expect(Array.from(cols['C15 data shapes']!)).toEqual([5]) // ABI, 2 words
    expect(Array.from(cols['C19 word codes']!)).toEqual([12, 32 + 18])
    expect(cols['C20 word bytes']!.length).toBe(20)
    expect(Array.from(cols['C21 word mantissas']!)).toEqual([0xd2, 0x09]) // uvarint 1234
    expect(decodeBatch(encodeBatch(one), { chainId })).toEqual(one)
  })
})
