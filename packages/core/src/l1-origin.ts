import type { Hex } from './hex.js'

/** The L1 block an L2 block is anchored to, with the fee inputs it brings (shared rule). */
export type L1Origin = {
  number: bigint
  hash: Hex
  timestamp: bigint
  /** L1 base fee per gas */
  baseFee: bigint
  /** L1 blob base fee, from the block's excess blob gas (EIP-4844) */
  blobBaseFee: bigint
}

/** EIP-4844 (Cancun) constants. */
export const MIN_BLOB_BASE_FEE = 1n
export const BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN = 3_338_477n

/** EIP-4844's fake_exponential: factor · e^(numerator / denominator), in integers. */
export function fakeExponential(factor: bigint, numerator: bigint, denominator: bigint): bigint {
  let i = 1n
  let output = 0n
  let acc = factor * denominator
  while (acc > 0n) {
    output += acc
    acc = (acc * numerator) / (denominator * i)
    i++
  }
  return output / denominator
}

/**
 * The origin of an L1 block as the sequencer and every verifier compute it: both read the
 * same L1 header fields, so the L2 block env (prevRandao = L1 hash, L1 fee inputs) agrees.
 */
export function l1OriginOf(block: {
  number: bigint
  hash: Hex
  timestamp: bigint
  baseFeePerGas?: bigint | null
  excessBlobGas?: bigint | null
}): L1Origin {
  return {
    number: block.number,
    hash: block.hash,
    timestamp: block.timestamp,
    baseFee: block.baseFeePerGas ?? 0n,
    blobBaseFee: fakeExponential(
      MIN_BLOB_BASE_FEE,
      block.excessBlobGas ?? 0n,
      BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
    ),
  }
}
