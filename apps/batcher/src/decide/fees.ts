import type { DaMode } from './da.js'

export type Fees = {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  /** only for blob txs */
  maxFeePerBlobGas?: bigint
}

export type FeeMarket = { baseFee: bigint; blobBaseFee: bigint; suggestedTip: bigint }
export type FeeLimits = {
  minTip: bigint
  /** never pay more than this per execution gas */
  maxFeePerGasCap: bigint
  /** never pay more than this per blob gas */
  maxFeePerBlobGasCap: bigint
}

/** Percent bump a replacement must carry over the tx it replaces (geth: 10, blobpool: 100). */
export function requiredBumpPercent(mode: DaMode): bigint {
  return mode === 'blobs' ? 100n : 10n
}

const bumped = (v: bigint, pct: bigint): bigint => (v * (100n + pct) + 99n) / 100n
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/** First-attempt fees: 2× base fee headroom as viem and OP's txmgr do. */
export function initialFees(mode: DaMode, m: FeeMarket, l: FeeLimits): Fees | { capped: true } {
  const tip = max(m.suggestedTip, l.minTip)
  const maxFeePerGas = 2n * m.baseFee + tip
  if (maxFeePerGas > l.maxFeePerGasCap || tip > l.maxFeePerGasCap) return { capped: true }
  if (mode === 'calldata') return { maxFeePerGas, maxPriorityFeePerGas: tip }
  const maxFeePerBlobGas = max(2n * m.blobBaseFee, 1n)
  if (maxFeePerBlobGas > l.maxFeePerBlobGasCap) return { capped: true }
  return { maxFeePerGas, maxPriorityFeePerGas: tip, maxFeePerBlobGas }
}

/**
 * Fees for re-sending a stuck tx with the same nonce: every fee at least the
 * required bump over the previous attempt and at least what the market asks
 * now. Returns `capped` when that would exceed a cap: the caller keeps waiting.
 */
export function bumpFees(
  mode: DaMode,
  prev: Fees,
  m: FeeMarket,
  l: FeeLimits,
): Fees | { capped: true } {
  const pct = requiredBumpPercent(mode)
  const fresh = initialFees(mode, m, {
    ...l,
    maxFeePerGasCap: 2n ** 255n,
    maxFeePerBlobGasCap: 2n ** 255n,
  })
  if ('capped' in fresh) return fresh
  const tip = max(bumped(prev.maxPriorityFeePerGas, pct), fresh.maxPriorityFeePerGas)
  let maxFeePerGas = max(bumped(prev.maxFeePerGas, pct), fresh.maxFeePerGas)
  if (maxFeePerGas < tip) maxFeePerGas = tip
  if (maxFeePerGas > l.maxFeePerGasCap) return { capped: true }
  if (mode === 'calldata') return { maxFeePerGas, maxPriorityFeePerGas: tip }
  const maxFeePerBlobGas = max(
    bumped(prev.maxFeePerBlobGas ?? 1n, pct),
    fresh.maxFeePerBlobGas ?? 1n,
  )
  if (maxFeePerBlobGas > l.maxFeePerBlobGasCap) return { capped: true }
  return { maxFeePerGas, maxPriorityFeePerGas: tip, maxFeePerBlobGas }
}

/** A tx is stuck when it has waited this long (wall clock) or this many L1 blocks unmined. */
export function isStuck(
  sentAtMs: number,
  sentAtL1Block: bigint,
  nowMs: number,
  l1Head: bigint,
  p: { stuckAfterMs: number; stuckAfterBlocks: number },
): boolean {
  return nowMs - sentAtMs >= p.stuckAfterMs || l1Head - sentAtL1Block >= BigInt(p.stuckAfterBlocks)
}
