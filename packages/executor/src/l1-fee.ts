/**
 * L1 data fee, OP Stack Ecotone formula:
 *
 *   l1GasUsed = 4 × zeroBytes(raw) + 16 × nonZeroBytes(raw)
 *   l1Fee     = l1GasUsed × (16 × baseFeeScalar × l1BaseFee + blobBaseFeeScalar × l1BlobBaseFee)
 *               / (16 × 1e6)
 *
 * `l1GasUsed / 16` is the compressed-size estimate in bytes (zero bytes count a quarter),
 * so this equals compressedSize × (16·baseFeeScalar·l1BaseFee + blobBaseFeeScalar·l1BlobBaseFee) / 1e6
 * with integer division done once at the end, as op-geth does.
 */
export type L1FeeParams = {
  l1BaseFee: bigint
  l1BlobBaseFee: bigint
  l1BaseFeeScalar: bigint
  l1BlobBaseFeeScalar: bigint
}

export function l1GasUsed(raw: Uint8Array): bigint {
  let zeros = 0
  for (let i = 0; i < raw.length; i++) if (raw[i] === 0) zeros++
  return BigInt(zeros) * 4n + BigInt(raw.length - zeros) * 16n
}

export function l1Fee(gasUsed: bigint, p: L1FeeParams): bigint {
  const weighted = 16n * p.l1BaseFeeScalar * p.l1BaseFee + p.l1BlobBaseFeeScalar * p.l1BlobBaseFee
  return (gasUsed * weighted) / 16_000_000n
}
