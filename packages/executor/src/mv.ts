import type { Account, Address, Hex } from '@lanes/core'
import { EMPTY_CODE_HASH } from '@lanes/core'
import type { FeeDeltas, WriteSet } from './write-set.js'

export type Vaults = { base: Address; priority: Address; l1: Address }

/** Largest element < i in a sorted array, or -1. */
function below(sorted: number[], i: number): number {
  let lo = 0
  let hi = sorted.length - 1
  let best = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = sorted[mid]!
    if (v < i) {
      best = v
      lo = mid + 1
    } else hi = mid - 1
  }
  return best
}

function insertSorted(sorted: number[], v: number): void {
  const n = sorted.length
  if (n === 0 || sorted[n - 1]! < v) {
    sorted.push(v)
    return
  }
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < v) lo = mid + 1
    else hi = mid
  }
  if (sorted[lo] !== v) sorted.splice(lo, 0, v)
}

function remove(sorted: number[], v: number): void {
  const at = sorted.indexOf(v)
  if (at >= 0) sorted.splice(at, 1)
}

/**
 * Multi-version memory: the latest write set of every executed tx, indexed by key, so a
 * read by tx i sees the value written by the highest tx below i (Block-STM's MVMemory).
 * Fee-vault balances add the commutative fee deltas of the txs in between.
 */
export class MultiVersion {
  private readonly writes = new Map<number, WriteSet>()
  private readonly fees = new Map<number, FeeDeltas>()
  private readonly accountIdx = new Map<Address, number[]>()
  private readonly slotIdx = new Map<string, number[]>()
  readonly codes = new Map<Hex, Uint8Array>()

  constructor(private readonly vaults: Vaults) {}

  isVault(a: Address): boolean {
    return a === this.vaults.base || a === this.vaults.priority || a === this.vaults.l1
  }

  set(tx: number, ws: WriteSet, fees: FeeDeltas): void {
    const old = this.writes.get(tx)
    if (old !== undefined) {
      for (const a of old.accounts.keys()) remove(this.accountIdx.get(a)!, tx)
      for (const [a, m] of old.storage)
        for (const k of m.keys()) remove(this.slotIdx.get(a + k)!, tx)
    }
    this.writes.set(tx, ws)
    this.fees.set(tx, fees)
    for (const a of ws.accounts.keys()) {
      let l = this.accountIdx.get(a)
      if (l === undefined) {
        l = []
        this.accountIdx.set(a, l)
      }
      insertSorted(l, tx)
    }
    for (const [a, m] of ws.storage)
      for (const k of m.keys()) {
        const id = a + k
        let l = this.slotIdx.get(id)
        if (l === undefined) {
          l = []
          this.slotIdx.set(id, l)
        }
        insertSorted(l, tx)
      }
    for (const [h, c] of ws.codes) this.codes.set(h, c)
  }

  /** Latest writer of `a` below i (for waits), or -1. */
  accountWriter(a: Address, i: number): number {
    const l = this.accountIdx.get(a)
    return l === undefined ? -1 : below(l, i)
  }

  account(a: Address, i: number, base: (a: Address) => Account | undefined): Account | undefined {
    const l = this.accountIdx.get(a)
    const j = l === undefined ? -1 : below(l, i)
    let v: Account | undefined
    if (j >= 0) v = this.writes.get(j)!.accounts.get(a) ?? undefined
    else v = base(a)
    if (!this.isVault(a)) return v
    let delta = 0n
    for (const [m, f] of this.fees) {
      if (m < i && m >= j) {
        if (a === this.vaults.base) delta += f.base
        if (a === this.vaults.priority) delta += f.priority
        if (a === this.vaults.l1) delta += f.l1
      }
    }
    if (delta === 0n) return v
    if (v === undefined) return { nonce: 0n, balance: delta, codeHash: EMPTY_CODE_HASH }
    return { nonce: v.nonce, balance: v.balance + delta, codeHash: v.codeHash }
  }

  storage(a: Address, slot: Hex, i: number, base: (a: Address, s: Hex) => bigint): bigint {
    const l = this.slotIdx.get(a + slot)
    const j = l === undefined ? -1 : below(l, i)
    if (j >= 0) return this.writes.get(j)!.storage.get(a)!.get(slot)!
    return base(a, slot)
  }
}
