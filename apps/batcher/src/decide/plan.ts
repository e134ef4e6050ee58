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

/**
 * Max delay bounds a block's wait until its commit is SENT: the planner closes a batch that
 * much earlier than `maxDelayMs` by the measured compress + post time, but never by more than
 * half of it (a slow spell must not turn every batch into a one-block batch).
 */
export function closeAfterMs(maxDelayMs: number, sendMs: number): number {
  return Math.max(Math.ceil(maxDelayMs / 2), maxDelayMs - Math.round(sendMs))
}

/** Moving estimate of plan → sent: up quickly, down slowly (p99 lag matters more than p50). */
export function nextSendMs(prev: number, sample: number): number {
  if (sample < 0) return prev
  return sample > prev ? prev * 0.5 + sample * 0.5 : prev * 0.8 + sample * 0.2
}
