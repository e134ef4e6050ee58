import type { RecoveredTx } from '@lanes/core'

/**
 * The batcher's throttle (lanes_setThrottle), like OP's miner_setMaxDASize: when L1 posting
 * falls behind, blocks carry at most `maxBlockTxBytes` of signed tx bytes (null: no limit).
 * The pool's selection keeps each sender's nonces in order, so any prefix of it is valid;
 * the first tx always fits so a tx larger than the limit cannot stall the chain.
 */
export function capTxBytes(picked: RecoveredTx[], maxBlockTxBytes: number | null): RecoveredTx[] {
  if (maxBlockTxBytes === null) return picked
  let bytes = 0
  for (let i = 0; i < picked.length; i++) {
    bytes += picked[i]!.raw.length
    if (bytes > maxBlockTxBytes && i > 0) return picked.slice(0, i)
  }
  return picked
}

/** The admin face of the throttle over a builder (lanes_setThrottle → builder.maxBlockTxBytes). */
export function throttleAdmin(builder: { maxBlockTxBytes: number | null }): {
  setMaxBlockTxBytes(bytes: number | null): void
  maxBlockTxBytes(): number | null
} {
  return {
    setMaxBlockTxBytes: (bytes) => {
      builder.maxBlockTxBytes = bytes
    },
    maxBlockTxBytes: () => builder.maxBlockTxBytes,
  }
}
