import type { Address, Hex, RecoveredTx } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import { PoolRejectedError } from './errors.js'
import { type AccountSource, type PoolOptions, TxPool } from './pool.js'

const A = '0x00000000000000000000000000000000000000aa' as Address
const B = '0x00000000000000000000000000000000000000bb' as Address
const C = '0x00000000000000000000000000000000000000cc' as Address
const GWEI = 10n ** 9n

let counter = 0
function tx(
  from: Address,
  nonce: number,
  o: { fee?: bigint; tip?: bigint; gas?: bigint; value?: bigint } = {},
): RecoveredTx {
  const fee = o.fee ?? 10n * GWEI
  return {
    type: 2,
    chainId: 1n,
    nonce: BigInt(nonce),
    gasLimit: o.gas ?? 21_000n,
    to: C,
    value: o.value ?? 0n,
    data: new Uint8Array(0),
    gasPrice: fee,
    maxFeePerGas: fee,
    maxPriorityFeePerGas: o.tip ?? GWEI,
    accessList: [],
    yParity: 0,
    r: 1n,
    s: 1n,
    hash: `0x${(++counter).toString(16).padStart(64, '0')}` as Hex,
    signingHash: new Uint8Array(32),
    raw: new Uint8Array(0),
    intrinsicGas: 21_000n,
    from,
  }
}

class FakeState implements AccountSource {
  nonces = new Map<Address, bigint>()
  balances = new Map<Address, bigint>()
  nonce(a: Address) {
    return this.nonces.get(a) ?? 0n
  }
  balance(a: Address) {
    return this.balances.get(a) ?? 10n ** 21n
  }
}

const OPTS: PoolOptions = {
  maxPerAccount: 4,
  maxQueuedPerAccount: 2,
  maxTotal: 6,
  minTip: 1n,
  priceBumpPercent: 10,
  blockGasLimit: 30_000_000n,
}

function setup(opts: Partial<PoolOptions> = {}) {
  const state = new FakeState()
  return { state, pool: new TxPool({ ...OPTS, ...opts }, state) }
}

function rejection(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(PoolRejectedError)
    expect((e as PoolRejectedError).code).toBe(-32000)
    return (e as PoolRejectedError).shortMessage
  }
  throw new Error('expected a rejection')
}

describe('TxPool admission', () => {
  it.each<[string, (p: TxPool, s: FakeState) => void, () => RecoveredTx, RegExp]>([
    [
      'nonce too low',
      (_p, s) => s.nonces.set(A, 5n),
      () => tx(A, 4),
      /^nonce too low: address 0x0+aa, tx: 4 state: 5$/,
    ],
    [
      'insufficient funds',
      (_p, s) => s.balances.set(A, 1000n),
      () => tx(A, 0),
      /^insufficient funds for gas \* price \+ value: address .* have 1000 want 210000000000000$/,
    ],
    [
      'value counts in the cost',
      (_p, s) => s.balances.set(A, 21_000n * 10n * GWEI),
      () => tx(A, 0, { value: 1n }),
      /^insufficient funds for gas \* price \+ value/,
    ],
    [
      'exceeds block gas limit',
      () => {},
      () => tx(A, 0, { gas: 30_000_001n }),
      /^exceeds block gas limit$/,
    ],
    [
      'min tip',
      () => {},
      () => tx(A, 0, { tip: 0n }),
      /^transaction underpriced: gas tip cap 0, minimum needed 1$/,
    ],
    [
      'replacement +5% underpriced',
      (p) => p.add(tx(A, 0, { fee: 100n * GWEI, tip: 10n * GWEI })),
      () => tx(A, 0, { fee: 105n * GWEI, tip: 11n * GWEI }),
      /^replacement transaction underpriced$/,
    ],
    [
      'replacement with only fee bumped',
      (p) => p.add(tx(A, 0, { fee: 100n * GWEI, tip: 10n * GWEI })),
      () => tx(A, 0, { fee: 200n * GWEI, tip: 10n * GWEI }),
      /^replacement transaction underpriced$/,
    ],
    [
      'account limit',
      (p) => {
        for (let n = 0; n < 4; n++) p.add(tx(A, n))
      },
      () => tx(A, 4),
      /^account limit exceeded/,
    ],
    [
      'queued limit',
      (p) => {
        p.add(tx(A, 5))
        p.add(tx(A, 6))
      },
      () => tx(A, 7),
      /^account limit exceeded/,
    ],
    [
      "overdraft across the sender's txs",
      (p, s) => {
        s.balances.set(A, 21_000n * 10n * GWEI * 2n - 1n)
        p.add(tx(A, 0))
      },
      () => tx(A, 1),
      /^transaction would cause overdraft/,
    ],
  ])('%s', (_name, before, make, message) => {
    const { pool, state } = setup()
    before(pool, state)
    expect(rejection(() => pool.add(make()))).toMatch(message)
  })

  it('already known', () => {
    const { pool } = setup()
    const t = tx(A, 0)
    pool.add(t)
    expect(rejection(() => pool.add(t))).toBe('already known')
  })

  it('replaces with ≥ 10 % higher fee and tip', () => {
    const { pool } = setup()
    const old = tx(A, 0, { fee: 100n * GWEI, tip: 10n * GWEI })
    pool.add(old)
    const next = tx(A, 0, { fee: 110n * GWEI, tip: 11n * GWEI })
    const r = pool.add(next)
    expect(r.replaced).toBe(old)
    expect(pool.has(old.hash)).toBe(false)
    expect(pool.get(next.hash)).toBe(next)
    expect(pool.status()).toEqual({ pending: 1, queued: 0 })
  })

  it('splits pending and queued around nonce gaps and promotes when the gap fills', () => {
    const { pool } = setup()
    expect(pool.add(tx(A, 0)).status).toBe('pending')
    expect(pool.add(tx(A, 2)).status).toBe('queued')
    expect(pool.status()).toEqual({ pending: 1, queued: 1 })
    expect(pool.pendingNonce(A)).toBe(1n)
    expect(pool.add(tx(A, 1)).status).toBe('pending')
    expect(pool.status()).toEqual({ pending: 3, queued: 0 })
    expect(pool.pendingNonce(A)).toBe(3n)
  })

  it('admits a fee cap below the base fee but does not select it until the base fee drops', () => {
    const { pool } = setup()
    const low = tx(A, 0, { fee: 5n * GWEI, tip: GWEI })
    pool.add(low)
    pool.add(tx(A, 1, { fee: 50n * GWEI }))
    expect(pool.select(6n * GWEI, 30_000_000n)).toEqual([])
    expect(pool.select(4n * GWEI, 30_000_000n).map((t) => t.nonce)).toEqual([0n, 1n])
  })

  it('evicts the cheapest tail tx of another sender when full, refuses a cheaper newcomer', () => {
    const { pool } = setup({ maxTotal: 3 })
    const a0 = tx(A, 0, { tip: 5n * GWEI })
    const a1 = tx(A, 1, { tip: 2n * GWEI })
    const b0 = tx(B, 0, { tip: 3n * GWEI })
    pool.add(a0)
    pool.add(a1)
    pool.add(b0)
    expect(rejection(() => pool.add(tx(C, 0, { tip: 2n * GWEI })))).toBe('transaction underpriced')
    const r = pool.add(tx(C, 0, { tip: 4n * GWEI }))
    expect(r.evicted).toEqual([a1])
    expect(pool.size).toBe(3)
    expect(pool.pendingNonce(A)).toBe(1n)
  })
})

describe('TxPool selection and sealing', () => {
  it('orders by tip across senders, nonce order within a sender, FIFO on ties', () => {
    const { pool } = setup({ maxPerAccount: 10, maxTotal: 100 })
    const a0 = tx(A, 0, { tip: GWEI })
    const a1 = tx(A, 1, { tip: 9n * GWEI })
    const b0 = tx(B, 0, { tip: 2n * GWEI })
    const c0 = tx(C, 0, { tip: 2n * GWEI })
    for (const t of [a0, a1, b0, c0]) pool.add(t)
    expect(pool.select(GWEI, 30_000_000n)).toEqual([b0, c0, a0, a1])
  })

  it('uses the effective tip at the base fee', () => {
    const { pool } = setup()
    const a0 = tx(A, 0, { fee: 3n * GWEI, tip: 3n * GWEI }) // effective tip at 2 gwei: 1 gwei
    const b0 = tx(B, 0, { fee: 10n * GWEI, tip: 2n * GWEI })
    pool.add(a0)
    pool.add(b0)
    expect(pool.select(2n * GWEI, 30_000_000n)).toEqual([b0, a0])
  })

  it('stops at the gas limit and skips a sender whose next tx does not fit', () => {
    const { pool } = setup({ maxTotal: 100 })
    const big = tx(A, 0, { gas: 70_000n, tip: 9n * GWEI })
    const b = [0, 1, 2].map((n) => tx(B, n))
    pool.add(big)
    for (const t of b) pool.add(t)
    expect(pool.select(0n, 63_000n)).toEqual(b)
    expect(pool.select(0n, 100_000n)).toEqual([big, b[0]])
    expect(pool.select(0n, 30_000_000n, 2)).toEqual([big, b[0]])
  })

  it('drops included txs after sealing and keeps the rest pending', () => {
    const { pool, state } = setup()
    for (let n = 0; n < 3; n++) pool.add(tx(A, n))
    state.nonces.set(A, 2n)
    const gone = pool.onSealed([A])
    expect(gone.map((t) => t.nonce).sort()).toEqual([0n, 1n])
    expect(pool.status()).toEqual({ pending: 1, queued: 0 })
    expect(pool.pendingNonce(A)).toBe(3n)
    expect(rejection(() => pool.add(tx(A, 1)))).toMatch(/^nonce too low/)
  })

  it('makes later nonces queued when a middle tx is removed', () => {
    const { pool } = setup()
    const t = [0, 1, 2].map((n) => tx(A, n))
    for (const x of t) pool.add(x)
    pool.remove(t[1]!.hash)
    expect(pool.status()).toEqual({ pending: 1, queued: 1 })
    expect(pool.select(0n, 30_000_000n)).toEqual([t[0]])
    const c = pool.content()
    expect(c.pending.get(A)).toEqual([t[0]])
    expect(c.queued.get(A)).toEqual([t[2]])
  })
})
