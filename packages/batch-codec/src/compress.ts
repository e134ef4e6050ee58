import zlib from 'node:zlib'
import { BatchTooLargeError, MalformedBatchError } from './errors.js'

/**
 * Starting brotli speeds (bytes/ms) on a shared 2-core machine, measured on batch bodies with
 * margin. Quality is an encoder choice only: decoders never need to know it.
 */
export const DEFAULT_BROTLI_SPEEDS: Readonly<Record<number, number>> = {
  11: 100,
  10: 600,
  9: 1_000,
  5: 10_000,
}

const CANDIDATES = [11, 10, 9, 5] as const
// One load factor (observed speed / table speed, EWMA) scales every quality: a slowed-down
// quality 11 is then not abandoned forever, since the next q10 run measures the same load.
let loadFactor = 1
// Tiny bodies are dominated by fixed costs and say little about throughput.
const MIN_OBSERVED_BYTES = 16 * 1024

/** The speeds the policy uses now: the table scaled by how fast this process has seen brotli. */
export function brotliSpeeds(): Record<number, number> {
  const out: Record<number, number> = {}
  for (const q of CANDIDATES) out[q] = DEFAULT_BROTLI_SPEEDS[q]! * loadFactor
  return out
}

export const DEFAULT_TIME_BUDGET_MS = 1000

/** The highest brotli quality whose estimated time for `bodyLength` bytes fits the budget. */
export function chooseBrotliQuality(
  bodyLength: number,
  timeBudgetMs = DEFAULT_TIME_BUDGET_MS,
  speeds: Readonly<Record<number, number>> = brotliSpeeds(),
): number {
  for (const q of CANDIDATES) {
    const speed = speeds[q]
    if (speed !== undefined && bodyLength / speed <= timeBudgetMs) return q
  }
  return 1
}

export function brotliWindowBits(bodyLength: number): number {
  return Math.min(24, Math.max(16, Math.ceil(Math.log2(Math.max(bodyLength, 1)))))
}

export function compressBody(body: Uint8Array, quality: number): Uint8Array {
  const started = performance.now()
  const out = zlib.brotliCompressSync(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_LGWIN]: brotliWindowBits(body.length),
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  })
  const ms = performance.now() - started
  const table = DEFAULT_BROTLI_SPEEDS[quality]
  if (body.length >= MIN_OBSERVED_BYTES && ms > 0 && table !== undefined) {
    const factor = body.length / ms / table
    loadFactor = Math.min(10, Math.max(0.1, loadFactor * 0.7 + factor * 0.3))
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/**
 * Decompresses exactly one brotli stream that must yield exactly `bodyLength` bytes. Output is
 * capped at `bodyLength` while decompressing, so a bomb stops at the cap, not at the end.
 */
export function decompressBody(compressed: Uint8Array, bodyLength: number): Uint8Array {
  let result: { buffer: Buffer; engine: zlib.BrotliDecompress }
  try {
    // maxOutputLength must be ≥ 1; an empty body still needs a (tiny) valid stream.
    // `info: true` (untyped in @types/node) also returns the engine, whose bytesWritten
    // tells how much input the stream used: brotli itself ignores trailing bytes.
    const options = { maxOutputLength: Math.max(bodyLength, 1), info: true } as zlib.BrotliOptions
    result = zlib.brotliDecompressSync(compressed, options) as unknown as {
      buffer: Buffer
      engine: zlib.BrotliDecompress
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_BUFFER_TOO_LARGE')
      throw new BatchTooLargeError(
        `batch body decompresses to more than its declared ${bodyLength} bytes`,
        {
          cause: err,
        },
      )
    throw new MalformedBatchError('brotli stream is corrupt or truncated', { cause: err })
  }
  if (result.engine.bytesWritten !== compressed.length)
    throw new MalformedBatchError(
      `${compressed.length - result.engine.bytesWritten} bytes follow the brotli stream`,
    )
  if (result.buffer.length !== bodyLength)
    throw new MalformedBatchError(
      `body decompresses to ${result.buffer.length} bytes, header says ${bodyLength}`,
    )
  return new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.length)
}
