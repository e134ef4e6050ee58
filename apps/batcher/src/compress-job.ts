import { type BatchHeader, type Hex, toHex } from '@lanes/core'
import { type BatchStart, batchHeaderFor, encodeChecked, MAX_PAYLOAD_BYTES } from './batch.js'
import { blockFromJson, blockToJson, rawBytesOf, type SealedBlock } from './block-source.js'

type JsonBlock = ReturnType<typeof blockToJson>
export type CompressJobData = {
  chainId: string
  start: { batchIndex: string; firstBlock: string; parentRoot: Hex; depositCursor: string }
  blocks: JsonBlock[]
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
}

export function compressJobData(
  chainId: bigint,
  start: BatchStart,
  blocks: SealedBlock[],
): CompressJobData {
  return {
    chainId: String(chainId),
    start: {
      batchIndex: String(start.batchIndex),
      firstBlock: String(start.firstBlock),
      parentRoot: start.parentRoot,
      depositCursor: String(start.depositCursor),
    },
    blocks: blocks.map(blockToJson),
  }
}

/**
 * The CPU-heavy stage (decode txs, encode, brotli, decode-back check), run in
 * a sandboxed BullMQ processor. A payload above one commit's capacity drops
 * trailing blocks until it fits; they go into the next batch.
 */
export function runCompressJob(data: CompressJobData): CompressJobResult {
  const chainId = BigInt(data.chainId)
  const start: BatchStart = {
    batchIndex: BigInt(data.start.batchIndex),
    firstBlock: BigInt(data.start.firstBlock),
    parentRoot: data.start.parentRoot,
    depositCursor: BigInt(data.start.depositCursor),
  }
  let blocks = data.blocks.map(blockFromJson)
  for (;;) {
    const header: BatchHeader = batchHeaderFor(start, blocks, chainId)
    const payload = encodeChecked(header, blocks)
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
      }
    }
    blocks = blocks.slice(0, Math.max(1, Math.floor(blocks.length / 2)))
  }
}
