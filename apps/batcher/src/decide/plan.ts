/** One sealed block as the planner sees it. */
export type PlanBlock = {
  number: bigint
  /** raw bytes of the block's txs (uncompressed) */
  rawBytes: number
  /** when the block was sealed, unix ms */
  sealedAtMs: number
}

export type PlanParams = {
  /** close a batch once its estimated compressed size reaches this */
  targetCompressedBytes: number
  /** close a batch once its oldest block is this old, even if small */
  maxDelayMs: number
  /** hard cap on blocks per batch */
  maxBlocks: number
  /** expected compressed / raw (learned from earlier batches) */
  compressionRatio: number
}

export type PlanDecision =
  | { kind: 'wait'; reason: 'no-blocks' | 'below-target'; retryInMs: number }
  | {
      kind: 'batch'
      firstBlock: bigint
      lastBlock: bigint
      reason: 'target' | 'max-delay' | 'max-blocks'
      estimatedBytes: number
    }

/** Fixed per-block overhead in the encoded batch (timestamp delta, counts, origin). */
const BLOCK_OVERHEAD_BYTES = 8

export function estimateCompressed(rawBytes: number, ratio: number): number {
  return Math.ceil(rawBytes * ratio)
}

/**
 * Choose the next block range: the longest prefix of `blocks` that stays within
 * the size target (at least one block), closed when the target is reached, when
 * the oldest block is older than `maxDelayMs`, or at `maxBlocks`.
 * `blocks` must be consecutive, starting at the next unbatched block.
 */
export function planNextBatch(
  blocks: readonly PlanBlock[],
  p: PlanParams,
  nowMs: number,
): PlanDecision {
  const first = blocks[0]
  if (!first) return { kind: 'wait', reason: 'no-blocks', retryInMs: Math.min(p.maxDelayMs, 1000) }
  let bytes = 0
  let count = 0
  for (const b of blocks) {
    const next = bytes + estimateCompressed(b.rawBytes + BLOCK_OVERHEAD_BYTES, p.compressionRatio)
    if (count > 0 && next > p.targetCompressedBytes) {
      return {
        kind: 'batch',
        firstBlock: first.number,
        lastBlock: first.number + BigInt(count - 1),
        reason: 'target',
        estimatedBytes: bytes,
      }
    }
    bytes = next
    count++
    if (bytes >= p.targetCompressedBytes) {
      return {
        kind: 'batch',
        firstBlock: first.number,
        lastBlock: b.number,
        reason: 'target',
        estimatedBytes: bytes,
      }
    }
    if (count >= p.maxBlocks) {
      return {
        kind: 'batch',
        firstBlock: first.number,
        lastBlock: b.number,
        reason: 'max-blocks',
        estimatedBytes: bytes,
      }
    }
  }
  const age = nowMs - first.sealedAtMs
  if (age >= p.maxDelayMs) {
    return {
      kind: 'batch',
      firstBlock: first.number,
      lastBlock: first.number + BigInt(count - 1),
      reason: 'max-delay',
      estimatedBytes: bytes,
    }
  }
  return { kind: 'wait', reason: 'below-target', retryInMs: Math.max(1, p.maxDelayMs - age) }
}

/** Exponential moving average of the observed compression ratio, clamped to a sane range. */
export function updateCompressionRatio(
  previous: number,
  rawBytes: number,
  compressedBytes: number,
): number {
  if (rawBytes <= 0) return previous
  const observed = Math.min(1.2, Math.max(0.02, compressedBytes / rawBytes))
  return previous * 0.7 + observed * 0.3
}
