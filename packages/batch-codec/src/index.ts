export * from './blob.js'
export {
  brotliSpeeds,
  chooseBrotliQuality,
  DEFAULT_BROTLI_SPEEDS,
  DEFAULT_TIME_BUDGET_MS,
} from './compress.js'
export * from './context.js'
export * from './context-chain.js'
export { decodeBatch, decodeBatchContextHash, decodeBatchHeader } from './decode.js'
export { type BatchColumn, encodeBatch, encodeBatchBody, encodeBatchColumns } from './encode.js'
export * from './errors.js'
export * from './types.js'
