import { describe, expect, it } from 'vitest'
import { chooseDa, type DaInputs, daCosts } from './da.js'
import { bumpFees, type FeeLimits, initialFees, isStuck } from './fees.js'
import {
  closeAfterMs,
  nextSendMs,
  type PlanBlock,
  type PlanParams,
  planNextBatch,
  updateCompressionRatio,
} from './plan.js'
import { shouldThrottle } from './throttle.js'

const gwei = 1_000_000_000n
const blocks = (sizes: number[], sealedAtMs = 0): PlanBlock[] =>
  sizes.map((rawBytes, i) => ({ number: BigInt(10 + i), rawBytes, sealedAtMs: sealedAtMs + i }))
const P: PlanParams = {
  targetCompressedBytes: 1000,
  maxDelayMs: 5000,
  maxBlocks: 100,
  compressionRatio: 0.5,
}

describe('planNextBatch', () => {
  const cases: Array<[string, PlanBlock[], Partial<PlanParams>, number, unknown]> = [
    ['no blocks waits', [], {}, 0, { kind: 'wait', reason: 'no-blocks' }],
    [
      'small and young waits',
      blocks([100, 100]),
      {},
      1000,
      { kind: 'wait', reason: 'below-target', retryInMs: 4000 },
    ],
    [
      'small and old closes',
      blocks([100, 100]),
      {},
      6000,
      { kind: 'batch', firstBlock: 10n, lastBlock: 11n, reason: 'max-delay' },
    ],
    [
      'reaches target exactly',
      blocks([992, 992, 992]),
      {},
      0,
      { kind: 'batch', firstBlock: 10n, lastBlock: 11n, reason: 'target' },
    ],
    [
      'next block would overflow',
      blocks([1192, 800, 100]),
      {},
      0,
      { kind: 'batch', firstBlock: 10n, lastBlock: 10n, reason: 'target' },
    ],
    [
      'single oversized block still goes',
      blocks([9000]),
      {},
      0,
      { kind: 'batch', firstBlock: 10n, lastBlock: 10n, reason: 'target' },
    ],
    [
      'max blocks',
      blocks([1, 1, 1, 1]),
      { maxBlocks: 3 },
      0,
      { kind: 'batch', firstBlock: 10n, lastBlock: 12n, reason: 'max-blocks' },
    ],
    [
      'better ratio fits more',
      blocks([992, 992, 992, 992, 992]),
      { compressionRatio: 0.25 },
      0,
      { kind: 'batch', lastBlock: 13n, reason: 'target' },
    ],
  ]
  for (const [name, b, p, now, want] of cases) {
    it(name, () => expect(planNextBatch(b, { ...P, ...p }, now)).toMatchObject(want as object))
  }
  it('learns the compression ratio towards what it observes', () => {
    let r = 0.5
    for (let i = 0; i < 20; i++) r = updateCompressionRatio(r, 1000, 200)
    expect(r).toBeCloseTo(0.2, 2)
    expect(updateCompressionRatio(0.4, 0, 10)).toBe(0.4)
  })
})

describe('chooseDa', () => {
  const base: DaInputs = {
    payloadBytes: 100_000,
    bytesPerBlob: 126_976,
    baseFee: 10n * gwei,
    blobBaseFee: 1n,
    priorityFee: gwei,
    calldataOverheadGas: 60_000n,
    blobOverheadGas: 80_000n,
  }
  const cases: Array<[string, Parameters<typeof chooseDa>[0], Partial<DaInputs>, string]> = [
    ['forced calldata', 'calldata', {}, 'calldata'],
    ['forced blobs', 'blobs', {}, 'blobs'],
    ['auto: cheap blobs win', 'auto', {}, 'blobs'],
    ['auto: blob fee spike → calldata', 'auto', { blobBaseFee: 1000n * gwei }, 'calldata'],
    [
      'auto: tiny payload → calldata',
      'auto',
      { payloadBytes: 500, blobBaseFee: 10n * gwei },
      'calldata',
    ],
    ['blobs but too many blobs → calldata', 'blobs', { payloadBytes: 7 * 126_976 }, 'calldata'],
  ]
  for (const [name, setting, inp, want] of cases) {
    it(name, () => expect(chooseDa(setting, { ...base, ...inp })).toBe(want))
  }
  it('counts blobs by usable bytes', () => {
    expect(daCosts({ ...base, payloadBytes: 126_977 }).blobs).toBe(2)
  })
})

describe('fees', () => {
  const L: FeeLimits = {
    minTip: gwei,
    maxFeePerGasCap: 500n * gwei,
    maxFeePerBlobGasCap: 1000n * gwei,
  }
  const m = { baseFee: 10n * gwei, blobBaseFee: 5n, suggestedTip: 0n }
  it('initial: 2×base + tip, min tip applied, blob fee 2× blob base', () => {
    expect(initialFees('calldata', m, L)).toEqual({
      maxFeePerGas: 21n * gwei,
      maxPriorityFeePerGas: gwei,
    })
    expect(initialFees('blobs', m, L)).toMatchObject({ maxFeePerBlobGas: 10n })
    expect(initialFees('calldata', { ...m, baseFee: 300n * gwei }, L)).toEqual({ capped: true })
  })
  const prev = { maxFeePerGas: 21n * gwei, maxPriorityFeePerGas: gwei, maxFeePerBlobGas: 10n }
  const cases: Array<
    [string, 'calldata' | 'blobs', Partial<typeof m>, Partial<FeeLimits>, unknown]
  > = [
    [
      'calldata +10 %',
      'calldata',
      {},
      {},
      { maxFeePerGas: 23_100_000_000n, maxPriorityFeePerGas: 1_100_000_000n },
    ],
    [
      'market moved more than 10 %',
      'calldata',
      { baseFee: 50n * gwei },
      {},
      { maxFeePerGas: 101n * gwei },
    ],
    [
      'blobs +100 % on every fee',
      'blobs',
      {},
      {},
      { maxFeePerGas: 42n * gwei, maxPriorityFeePerGas: 2n * gwei, maxFeePerBlobGas: 20n },
    ],
    ['over cap → capped', 'calldata', {}, { maxFeePerGasCap: 22n * gwei }, { capped: true }],
    ['blob over cap → capped', 'blobs', {}, { maxFeePerBlobGasCap: 15n }, { capped: true }],
  ]
  for (const [name, mode, mm, ll, want] of cases) {
    it(name, () =>
      expect(bumpFees(mode, prev, { ...m, ...mm }, { ...L, ...ll })).toMatchObject(want as object),
    )
  }
  it('a bump is always ≥ the required percentage on each fee', () => {
    for (let f = 1n; f < 2000n; f += 37n) {
      const p = { maxFeePerGas: f * 3n, maxPriorityFeePerGas: f, maxFeePerBlobGas: f }
      const c = bumpFees(
        'calldata',
        p,
        { baseFee: 1n, blobBaseFee: 1n, suggestedTip: 0n },
        { ...L, minTip: 0n },
      )
      const b = bumpFees(
        'blobs',
        p,
        { baseFee: 1n, blobBaseFee: 1n, suggestedTip: 0n },
        { ...L, minTip: 0n },
      )
      if ('capped' in c || 'capped' in b) throw new Error('unexpected cap')
      expect(c.maxFeePerGas * 100n).toBeGreaterThanOrEqual(p.maxFeePerGas * 110n)
      expect(c.maxPriorityFeePerGas * 100n).toBeGreaterThanOrEqual(p.maxPriorityFeePerGas * 110n)
      expect(b.maxFeePerBlobGas).toBeGreaterThanOrEqual(2n * f)
      expect(b.maxPriorityFeePerGas).toBeGreaterThanOrEqual(2n * f)
    }
  })
  it('isStuck by time or by blocks', () => {
    const p = { stuckAfterMs: 1000, stuckAfterBlocks: 3 }
    expect(isStuck(0, 10n, 999, 12n, p)).toBe(false)
    expect(isStuck(0, 10n, 1000, 12n, p)).toBe(true)
    expect(isStuck(0, 10n, 0, 13n, p)).toBe(true)
  })
})

describe('shouldThrottle', () => {
  const p = { onAboveBytes: 1000, offBelowBytes: 500 }
  const cases: Array<[boolean, number, boolean]> = [
    [false, 999, false],
    [false, 1000, true],
    [true, 700, true],
    [false, 700, false],
    [true, 499, false],
  ]
  for (const [cur, bytes, want] of cases) {
    it(`${cur} at ${bytes} → ${want}`, () =>
      expect(shouldThrottle(cur, { blocks: 1, bytes }, p)).toBe(want))
  }
})

describe('closing early by the send time', () => {
  it.each([
    [6000, 0, 6000],
    [6000, 1800, 4200],
    [6000, 2999.6, 3000],
    [6000, 9000, 3000], // never earlier than half the max delay
    [1, 0, 1],
  ])('max delay %i ms, send time %d ms → close after %i ms', (max, send, want) =>
    expect(closeAfterMs(max, send)).toBe(want),
  )

  it('the send-time estimate rises fast and falls slowly', () => {
    expect(nextSendMs(1000, 3000)).toBe(2000)
    expect(nextSendMs(2000, 1000)).toBe(1800)
    expect(nextSendMs(2000, -5)).toBe(2000)
  })
})
