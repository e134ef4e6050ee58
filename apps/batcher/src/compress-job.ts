import type { BatchContext } from '@lanes/batch-codec'
import { toBlobs } from '@lanes/batch-codec'
import { type BatchHeader, type Hex, toHex } from '@lanes/core'
import { blobsToCommitments, blobsToProofs } from 'viem'
import { type BatchStart, batchHeaderFor, encodeChecked, MAX_PAYLOAD_BYTES } from './batch.js'
import { tableFromJob, tableToJob } from './batch-context.js'
import { blockFromJson, blockToJson, rawBytesOf, type SealedBlock } from './block-source.js'
import { loadKzg } from './l1/kzg.js'
import type { BlobKzg } from './store.js'

type JsonBlock = ReturnType<typeof blockToJson>
export type CompressJobData = {
  chainId: string
  start: { batchIndex: string; firstBlock: string; parentRoot: Hex; depositCursor: string }
  blocks: JsonBlock[]
  /** compute KZG commitments and proofs too (DA mode blobs or auto) */
  withBlobs?: boolean
  /** the address table to encode against (tableToJob); absent: self-contained */
  context?: string
}
export type CompressJobResult = {
  payload: Hex
  lastBlock: string
  postRoot: Hex
  depositCursorEnd: string
  l1OriginFirst: string
  l1OriginLast: string
  txCount: number
  rawBytes: number
  kzg: BlobKzg | null
  /** hash of the table the payload was encoded against (EMPTY_BATCH_CONTEXT.hash: none) */
  contextHash?: Hex
}

export function compressJobData(
  chainId: bigint,
  start: BatchStart,
  blocks: SealedBlock[],
  withBlobs = false,
  context?: BatchContext,
): CompressJobData {
  return {
    ...(context?.table.length ? { context: tableToJob(context) } : {}),
    chainId: String(chainId),
    start: {
      batchIndex: String(start.batchIndex),
      firstBlock: String(start.firstBlock),
      parentRoot: start.parentRoot,
      depositCursor: String(start.depositCursor),
    },
    blocks: blocks.map(blockToJson),
    withBlobs,
  }
}

/**
 * The CPU-heavy stage (decode txs, encode, brotli, decode-back check), run in
 * a sandboxed BullMQ processor. A payload above one commit's capacity drops
 * trailing blocks until it fits; they go into the next batch.
 */
export async function runCompressJob(data: CompressJobData): Promise<CompressJobResult> {
  const chainId = BigInt(data.chainId)
  const start: BatchStart = {
    batchIndex: BigInt(data.start.batchIndex),
    firstBlock: BigInt(data.start.firstBlock),
    parentRoot: data.start.parentRoot,
    depositCursor: BigInt(data.start.depositCursor),
  }
  let blocks = data.blocks.map(blockFromJson)
  const context = tableFromJob(data.context)
  for (;;) {
    const header: BatchHeader = batchHeaderFor(start, blocks, chainId)
    const payload = encodeChecked(header, blocks, context)
    if (payload.length <= MAX_PAYLOAD_BYTES || blocks.length === 1) {
      let txCount = 0
      let rawBytes = 0
      for (const b of blocks) {
        txCount += b.txs.length
        rawBytes += rawBytesOf(b)
      }
      return {
        payload: toHex(payload),
        lastBlock: String(header.lastBlock),
        postRoot: header.postStateRoot,
        depositCursorEnd: String(header.depositCursorEnd),
        l1OriginFirst: String(header.l1OriginFirst),
        l1OriginLast: String(header.l1OriginLast),
        txCount,
        rawBytes,
        kzg: data.withBlobs ? await blobKzg(payload) : null,
        contextHash: context.hash,
      }
    }
    blocks = blocks.slice(0, Math.max(1, Math.floor(blocks.length / 2)))
  }
}

/** The "warm" job: load what the first batch would otherwise wait for (KZG setup is seconds). */
export async function warmCompress(data: { withBlobs?: boolean }): Promise<string> {
  if (data.withBlobs) await loadKzg()
  return 'warm'
}

/** KZG work is seconds per blob in wasm: it belongs here, off the main thread. */
async function blobKzg(payload: Uint8Array): Promise<BlobKzg> {
  const kzg = await loadKzg()
  const blobs = toBlobs(payload).map((b) => toHex(b))
  const commitments = blobsToCommitments({ blobs, kzg, to: 'hex' })
  const proofs = blobsToProofs({ blobs, commitments, kzg, to: 'hex' })
  return { commitments: [...commitments], proofs: [...proofs] }
}
