import type { Address, Hex, RecoveredTx } from '@lanes/core'
import { insufficientFunds, nonceTooLow, PoolRejectedError } from './errors.js'

/** What the pool needs to know about the latest sealed state. */
export interface AccountSource {
  nonce(address: Address): bigint
  balance(address: Address): bigint
}

export type PoolOptions = {
  /** most txs per sender, pending + queued */
  maxPerAccount: number
  /** most nonce-gapped txs per sender */
  maxQueuedPerAccount: number
  /** most txs in the pool; past it the cheapest tail tx is evicted or the new one refused */
  maxTotal: number
  /** smallest priority fee admitted */
  minTip: bigint
  /** a replacement must raise max fee AND tip by at least this many percent */
  priceBumpPercent: number
  /** the block gas limit: a tx asking more can never be included */
  blockGasLimit: bigint
}

type Entry = { tx: RecoveredTx; seq: number; cost: bigint }

class SenderTxs {
  readonly byNonce = new Map<bigint, Entry>()
  /** nonce of the sender in the latest sealed state */
  stateNonce: bigint
  /** txs contiguous from stateNonce (executable, in nonce order) */
  pending = 0
  /** sum of `cost` over byNonce */
  totalCost = 0n
  constructor(stateNonce: bigint) {
    this.stateNonce = stateNonce
  }
  get queued(): number {
    return this.byNonce.size - this.pending
  }
  /** highest nonce held */
  tail(): Entry | undefined {
    let best: Entry | undefined
    for (const e of this.byNonce.values()) if (!best || e.tx.nonce > best.tx.nonce) best = e
    return best
  }
  /** extends `pending` from a known-contiguous prefix of length `from` */
  recountFrom(from: number): void {
    let n = from
    while (this.byNonce.has(this.stateNonce + BigInt(n))) n++
    this.pending = n
  }
  recount(): void {
    let n = 0
    while (this.byNonce.has(this.stateNonce + BigInt(n))) n++
    this.pending = n
  }
}

export type AddResult = {
  status: 'pending' | 'queued'
  /** the tx this one replaced (same sender and nonce) */
  replaced: RecoveredTx | undefined
  /** txs evicted to make room */
  evicted: RecoveredTx[]
}

export const txCost = (tx: RecoveredTx): bigint => tx.gasLimit * tx.maxFeePerGas + tx.value

/** The tip a tx pays per gas at `baseFee` (negative: it cannot be included yet). */
export function effectiveTip(tx: RecoveredTx, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee
  return room < tx.maxPriorityFeePerGas ? room : tx.maxPriorityFeePerGas
}

/** geth's replacement rule: both fee caps must rise by at least `bumpPercent`. */
export function isPricedReplacement(old: RecoveredTx, next: RecoveredTx, bumpPercent: number) {
  const bump = BigInt(100 + bumpPercent)
  return (
    next.maxFeePerGas * 100n >= old.maxFeePerGas * bump &&
    next.maxPriorityFeePerGas * 100n >= old.maxPriorityFeePerGas * bump
  )
}

/** Orders txs by price for eviction: lower tip, then lower fee cap, is cheaper. */
function cheaper(a: RecoveredTx, b: RecoveredTx): boolean {
  if (a.maxPriorityFeePerGas !== b.maxPriorityFeePerGas)
    return a.maxPriorityFeePerGas < b.maxPriorityFeePerGas
  return a.maxFeePerGas < b.maxFeePerGas
}

const NONCE_MAX = (1n << 64n) - 1n

/**
 * The transaction pool: per-sender nonce lists split into pending (contiguous from the
 * sealed nonce) and queued (after a gap). Admission follows geth's legacypool checks and
 * texts. A tx whose max fee is below the current base fee is admitted and waits (geth
 * keeps such txs too); `select` skips it until the base fee drops.
 *
 * Not thread-safe and synchronous: callers serialize admission and sealing on one loop.
 */
export class TxPool {
  readonly #opts: PoolOptions
  readonly #state: AccountSource
  readonly #senders = new Map<Address, SenderTxs>()
  readonly #byHash = new Map<Hex, Entry>()
  #seq = 0
  #pending = 0

  constructor(options: PoolOptions, state: AccountSource) {
    this.#opts = options
    this.#state = state
  }

  get size(): number {
    return this.#byHash.size
  }

  status(): { pending: number; queued: number } {
    return { pending: this.#pending, queued: this.#byHash.size - this.#pending }
  }

  has(hash: Hex): boolean {
    return this.#byHash.has(hash)
  }

  get(hash: Hex): RecoveredTx | undefined {
    return this.#byHash.get(hash)?.tx
  }

  /** The next nonce of `address` counting its pending (executable) pool txs. */
  pendingNonce(address: Address): bigint {
    const s = this.#senders.get(address)
    if (!s) return this.#state.nonce(address)
    return s.stateNonce + BigInt(s.pending)
  }

  /** Throws PoolRejectedError (geth's text) when `tx` is refused. */
  add(tx: RecoveredTx): AddResult {
    const o = this.#opts
    if (this.#byHash.has(tx.hash)) throw new PoolRejectedError('alreadyKnown')
    if (tx.gasLimit > o.blockGasLimit) throw new PoolRejectedError('gasLimit')
    if (tx.maxPriorityFeePerGas < o.minTip)
      throw new PoolRejectedError(
        'underpriced',
        `gas tip cap ${tx.maxPriorityFeePerGas}, minimum needed ${o.minTip}`,
      )
    if (tx.nonce === NONCE_MAX) throw new PoolRejectedError('nonceMax')

    let s = this.#senders.get(tx.from)
    const stateNonce = s ? s.stateNonce : this.#state.nonce(tx.from)
    if (tx.nonce < stateNonce) throw nonceTooLow(tx.from, tx.nonce, stateNonce)

    const balance = this.#state.balance(tx.from)
    const cost = txCost(tx)
    if (balance < cost) throw insufficientFunds(tx.from, balance, cost)

    const old = s?.byNonce.get(tx.nonce)
    if (old && !isPricedReplacement(old.tx, tx, o.priceBumpPercent))
      throw new PoolRejectedError('replacementUnderpriced')
    const spent = (s?.totalCost ?? 0n) - (old?.cost ?? 0n)
    if (balance < spent + cost)
      throw new PoolRejectedError('overdraft', `balance ${balance}, queued cost ${spent + cost}`)

    const pendingNext = s ? s.stateNonce + BigInt(s.pending) : stateNonce
    const willQueue = tx.nonce > pendingNext
    if (!old) {
      if (s && s.byNonce.size >= o.maxPerAccount)
        throw new PoolRejectedError('accountLimit', `${s.byNonce.size} txs from ${tx.from}`)
      if (willQueue && s && s.queued >= o.maxQueuedPerAccount)
        throw new PoolRejectedError('accountLimit', `${s.queued} queued txs from ${tx.from}`)
    }

    const evicted: RecoveredTx[] = []
    if (!old && this.#byHash.size >= o.maxTotal) {
      const victim = this.#cheapestTail(tx.from)
      if (!victim || !cheaper(victim.tx, tx)) throw new PoolRejectedError('underpriced')
      this.remove(victim.tx.hash)
      evicted.push(victim.tx)
    }

    if (!s) {
      s = new SenderTxs(stateNonce)
      this.#senders.set(tx.from, s)
    }
    const entry: Entry = { tx, seq: this.#seq++, cost }
    if (old) {
      this.#byHash.delete(old.tx.hash)
      s.totalCost -= old.cost
    }
    s.byNonce.set(tx.nonce, entry)
    s.totalCost += cost
    this.#byHash.set(tx.hash, entry)
    if (!old && tx.nonce === pendingNext) {
      const before = s.pending
      s.recountFrom(before)
      this.#pending += s.pending - before
    }
    return {
      status: tx.nonce < s.stateNonce + BigInt(s.pending) ? 'pending' : 'queued',
      replaced: old?.tx,
      evicted,
    }
  }

  /** Removes one tx (evicted, dropped as invalid); later nonces of its sender become queued. */
  remove(hash: Hex): RecoveredTx | undefined {
    const e = this.#byHash.get(hash)
    if (!e) return undefined
    const s = this.#senders.get(e.tx.from)!
    this.#byHash.delete(hash)
    s.byNonce.delete(e.tx.nonce)
    s.totalCost -= e.cost
    this.#recount(e.tx.from, s)
    return e.tx
  }

  /**
   * After a block: `senders` touched by it get their sealed nonce re-read; txs below it leave
   * (included, or replaced by an included one). Returns the txs that left.
   */
  onSealed(senders: Iterable<Address>): RecoveredTx[] {
    const gone: RecoveredTx[] = []
    for (const from of senders) {
      const s = this.#senders.get(from)
      if (!s) continue
      const nonce = this.#state.nonce(from)
      s.stateNonce = nonce
      for (const [n, e] of s.byNonce) {
        if (n >= nonce) continue
        s.byNonce.delete(n)
        s.totalCost -= e.cost
        this.#byHash.delete(e.tx.hash)
        gone.push(e.tx)
      }
      this.#recount(from, s)
    }
    return gone
  }

  /**
   * Txs for the next block, geth-miner style: repeatedly the best-paying sender's next pending
   * tx (ties: earliest arrival), each sender in nonce order; txs with max fee < baseFee wait,
   * and so do the rest of their sender's txs. Stops at the gas limit or `maxTxs`.
   */
  select(baseFee: bigint, gasLimit: bigint, maxTxs = Number.POSITIVE_INFINITY): RecoveredTx[] {
    type Head = { s: SenderTxs; nonce: bigint; e: Entry; tip: bigint }
    const heap: Head[] = []
    const better = (a: Head, b: Head) => (a.tip !== b.tip ? a.tip > b.tip : a.e.seq < b.e.seq)
    const push = (h: Head) => {
      heap.push(h)
      let i = heap.length - 1
      while (i > 0) {
        const p = (i - 1) >> 1
        const child = heap[i]!
        const parent = heap[p]!
        if (!better(child, parent)) break
        // swaps through locals: a destructuring swap builds an array each time, and this code
        // runs once per block, too rarely to get optimized
        heap[i] = parent
        heap[p] = child
        i = p
      }
    }
    const pop = (): Head | undefined => {
      const top = heap[0]
      const last = heap.pop()
      if (heap.length > 0 && last) {
        heap[0] = last
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < heap.length && better(heap[l]!, heap[m]!)) m = l
          if (r < heap.length && better(heap[r]!, heap[m]!)) m = r
          if (m === i) break
          const up = heap[m]!
          heap[m] = heap[i]!
          heap[i] = up
          i = m
        }
      }
      return top
    }
    const headOf = (s: SenderTxs, nonce: bigint): Head | undefined => {
      if (nonce >= s.stateNonce + BigInt(s.pending)) return undefined
      const e = s.byNonce.get(nonce)
      if (!e || e.tx.maxFeePerGas < baseFee) return undefined
      return { s, nonce, e, tip: effectiveTip(e.tx, baseFee) }
    }
    for (const s of this.#senders.values()) {
      const h = headOf(s, s.stateNonce)
      if (h) push(h)
    }
    const out: RecoveredTx[] = []
    let gasLeft = gasLimit
    while (out.length < maxTxs && gasLeft >= 21_000n) {
      const h = pop()
      if (!h) break
      // Too big for what is left: this sender waits for the next block.
      if (h.e.tx.gasLimit > gasLeft) continue
      out.push(h.e.tx)
      gasLeft -= h.e.tx.gasLimit
      const next = headOf(h.s, h.nonce + 1n)
      if (next) push(next)
    }
    return out
  }

  /** Every tx, for txpool_content: by sender, split pending / queued, nonce order. */
  content(): { pending: Map<Address, RecoveredTx[]>; queued: Map<Address, RecoveredTx[]> } {
    const pending = new Map<Address, RecoveredTx[]>()
    const queued = new Map<Address, RecoveredTx[]>()
    for (const [from, s] of this.#senders) {
      const all = [...s.byNonce.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : 1))
      const limit = s.stateNonce + BigInt(s.pending)
      const p = all.filter((e) => e.tx.nonce < limit).map((e) => e.tx)
      const q = all.filter((e) => e.tx.nonce >= limit).map((e) => e.tx)
      if (p.length) pending.set(from, p)
      if (q.length) queued.set(from, q)
    }
    return { pending, queued }
  }

  /** All txs in arrival order (re-journaling, tests). */
  all(): RecoveredTx[] {
    return [...this.#byHash.values()].sort((a, b) => a.seq - b.seq).map((e) => e.tx)
  }

  #recount(from: Address, s: SenderTxs): void {
    const before = s.pending
    s.recount()
    this.#pending += s.pending - before
    if (s.byNonce.size === 0) this.#senders.delete(from)
  }

  /** The cheapest highest-nonce tx of any sender but `except` (evicting it leaves no gap). */
  #cheapestTail(except: Address): Entry | undefined {
    let best: Entry | undefined
    for (const [from, s] of this.#senders) {
      if (from === except) continue
      const t = s.tail()
      if (t && (!best || cheaper(t.tx, best.tx))) best = t
    }
    return best
  }
}
