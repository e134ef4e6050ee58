import {
  BATCH_VERSION,
  type BatchBlock,
  type BatchContext,
  BLOB_PAYLOAD_BYTES,
  decodeBatch,
  EMPTY_BATCH_CONTEXT,
  encodeBatch,
  MAX_BLOBS_PER_BATCH,
} from '@lanes/batch-codec'
import { type BatchHeader, decodeTransaction, equalBytes, type Hex } from '@lanes/core'
import type { SealedBlock } from './block-source.js'
import { BatchSelfCheckError } from './errors.js'

/** Largest payload one commit can carry (6 blobs); calldata batches keep to the same bound. */
export const MAX_PAYLOAD_BYTES = MAX_BLOBS_PER_BATCH * BLOB_PAYLOAD_BYTES
export { BLOB_PAYLOAD_BYTES }

/** Where a batch starts: what the previous batch (or L1, or genesis) ended with. */
export type BatchStart = {
  batchIndex: bigint
  firstBlock: bigint
  parentRoot: Hex
  depositCursor: bigint
}

export function batchHeaderFor(
  start: BatchStart,
  blocks: readonly SealedBlock[],
  chainId: bigint,
): BatchHeader {
  const first = blocks[0]
  const last = blocks[blocks.length - 1]
  if (!first || !last) throw new BatchSelfCheckError('a batch needs at least one block')
  if (first.header.number !== start.firstBlock)
    throw new BatchSelfCheckError(
      `batch ${start.batchIndex} must start at block ${start.firstBlock}, got ${first.header.number}`,
    )
  for (let i = 1; i < blocks.length; i++)
    if (blocks[i]!.header.number !== first.header.number + BigInt(i))
      throw new BatchSelfCheckError(
        `blocks of batch ${start.batchIndex} are not consecutive at ${blocks[i]!.header.number}`,
      )
  return {
    version: BATCH_VERSION,
    chainId,
    batchIndex: start.batchIndex,
    firstBlock: first.header.number,
    lastBlock: last.header.number,
    parentStateRoot: start.parentRoot,
    postStateRoot: last.header.stateRoot,
    l1OriginFirst: first.header.l1OriginNumber,
    l1OriginLast: last.header.l1OriginNumber,
    depositCursorStart: start.depositCursor,
    depositCursorEnd: last.header.depositCursor,
  }
}

export function toBatchBlocks(blocks: readonly SealedBlock[], chainId: bigint): BatchBlock[] {
  return blocks.map((b) => ({
    number: b.header.number,
    timestamp: b.header.timestamp,
    l1OriginNumber: b.header.l1OriginNumber,
    depositCursor: b.header.depositCursor,
    stateRoot: b.header.stateRoot,
    txs: b.txs.map((raw) => decodeTransaction(raw, { chainId })),
  }))
}

/**
 * Brotli's time budget per batch. Signatures are most of a batch and do not compress: on a
 * one-blob batch quality 10 (what the codec's default 1 s budget picks) cost about 150 ms of
 * CPU against 36 ms for quality 9, for 0.2 % fewer bytes, and the compress step is the
 * batcher's bottleneck at the sequencer's peak rate.
 */
export const COMPRESS_BUDGET_MS = 150

/**
 * Encode against `context` (the address table of the previous batches, batch-codec README
 * §3.5), then decode our own bytes with the same context and check they give back exactly the
 * header and blocks we read: a batch that does not round-trip is never posted.
 */
export function encodeChecked(
  header: BatchHeader,
  blocks: readonly SealedBlock[],
  context: BatchContext = EMPTY_BATCH_CONTEXT,
): Uint8Array {
  const payload = encodeBatch(
    { header, blocks: toBatchBlocks(blocks, header.chainId) },
    { context, timeBudgetMs: COMPRESS_BUDGET_MS },
  )
  let decoded: ReturnType<typeof decodeBatch>
  try {
    decoded = decodeBatch(payload, { chainId: header.chainId, context })
  } catch (cause) {
    throw new BatchSelfCheckError(`batch ${header.batchIndex} does not decode`, { cause })
  }
  const fail = (what: string) => {
    throw new BatchSelfCheckError(`batch ${header.batchIndex} decodes to different ${what}`)
  }
  for (const k of Object.keys(header) as Array<keyof BatchHeader>)
    if (decoded.header[k] !== header[k]) fail(`header.${k}`)
  if (decoded.blocks.length !== blocks.length) fail('block count')
  for (let i = 0; i < blocks.length; i++) {
    const want = blocks[i]!
    const got = decoded.blocks[i]!
    if (
      got.number !== want.header.number ||
      got.timestamp !== want.header.timestamp ||
      got.l1OriginNumber !== want.header.l1OriginNumber ||
      got.depositCursor !== want.header.depositCursor ||
      got.stateRoot !== want.header.stateRoot
    )
      fail(`fields in block ${want.header.number}`)
    if (got.txs.length !== want.txs.length) fail(`tx count in block ${want.header.number}`)
    for (let j = 0; j < want.txs.length; j++)
      if (!equalBytes(got.txs[j]!.raw, want.txs[j]!)) fail(`tx ${j} in block ${want.header.number}`)
  }
  return payload
}
