import {
  type Account,
  type Address,
  EMPTY_CODE_HASH,
  type Hex,
  type StateDiff,
  type StateReader,
} from '@lanes/core'
import type { StateSource, TxState } from './tx-state.js'

function sameAccount(a: Account, b: Account): boolean {
  return a.nonce === b.nonce && a.balance === b.balance && a.codeHash === b.codeHash
}

function sortedKeys<K extends string, V>(m: Map<K, V>): K[] {
  return [...m.keys()].sort()
}

/**
 * The state after the txs applied so far in a block: the base StateReader plus the
 * block's writes. Base reads are cached (the base never changes during a block).
 */
export class BlockState implements StateSource {
  readonly accounts = new Map<Address, Account | null>()
  readonly slots = new Map<Address, Map<Hex, bigint>>()
  readonly codes = new Map<Hex, Uint8Array>()
  private readonly cleared = new Set<Address>()
  private readonly baseAccounts = new Map<Address, Account | undefined>()
  /** base storage read so far, per account (nested: no address+slot key strings to build) */
  private readonly baseSlots = new Map<Address, Map<Hex, bigint>>()

  constructor(readonly base: StateReader) {}

  baseAccount(address: Address): Account | undefined {
    if (this.baseAccounts.has(address)) return this.baseAccounts.get(address)
    const a = this.base.getAccount(address)
    this.baseAccounts.set(address, a)
    return a
  }

  /** Seeds the base cache with a value read elsewhere (the main thread, for a worker). */
  primeBase(address: Address, account: Account | undefined): void {
    this.baseAccounts.set(address, account)
  }

  private baseSlotMap(address: Address): Map<Hex, bigint> {
    let m = this.baseSlots.get(address)
    if (m === undefined) {
      m = new Map()
      this.baseSlots.set(address, m)
    }
    return m
  }

  primeSlot(address: Address, slot: Hex, value: bigint): void {
    this.baseSlotMap(address).set(slot, value)
  }

  baseStorage(address: Address, slot: Hex): bigint {
    const m = this.baseSlotMap(address)
    let v = m.get(slot)
    if (v === undefined) {
      v = this.base.getStorage(address, slot)
      m.set(slot, v)
    }
    return v
  }

  account(address: Address): Account | undefined {
    const local = this.accounts.get(address)
    if (local !== undefined) return local ?? undefined
    return this.baseAccount(address)
  }

  storage(address: Address, slot: Hex): bigint {
    const local = this.slots.get(address)?.get(slot)
    if (local !== undefined) return local
    if (this.cleared.has(address)) return 0n
    return this.baseStorage(address, slot)
  }

  code(codeHash: Hex): Uint8Array | undefined {
    return this.codes.get(codeHash) ?? this.base.getCode(codeHash)
  }

  /** Applies a finished tx's write set (a live TxState or a WriteSet from a worker). */
  applyTx(
    tx: Pick<TxState, 'accounts' | 'storage' | 'codes'> & { cleared: Iterable<Address> },
  ): void {
    for (const a of tx.cleared) {
      this.cleared.add(a)
      const m = this.slots.get(a)
      if (m !== undefined) for (const k of m.keys()) m.set(k, 0n)
    }
    for (const [a, acct] of tx.accounts) this.accounts.set(a, acct)
    for (const [a, m] of tx.storage) this.applySlots(a, m)
    for (const [h, c] of tx.codes) this.codes.set(h, c)
  }

  applySlots(address: Address, slots: Map<Hex, bigint>): void {
    let mine = this.slots.get(address)
    if (mine === undefined) {
      mine = new Map()
      this.slots.set(address, mine)
    }
    for (const [k, v] of slots) mine.set(k, v)
  }

  markCleared(address: Address): void {
    this.cleared.add(address)
    const m = this.slots.get(address)
    if (m !== undefined) for (const k of m.keys()) m.set(k, 0n)
  }

  /** Fee-vault credit: a balance delta, so parallel txs never conflict on it. */
  credit(address: Address, amount: bigint): void {
    if (amount === 0n) return
    const a = this.account(address)
    this.accounts.set(
      address,
      a === undefined
        ? { nonce: 0n, balance: amount, codeHash: EMPTY_CODE_HASH }
        : { nonce: a.nonce, balance: a.balance + amount, codeHash: a.codeHash },
    )
  }

  /** Everything that differs from the base, keys sorted so equal states give equal diffs. */
  toDiff(): StateDiff {
    const diff: StateDiff = { accounts: new Map(), storage: new Map(), code: new Map() }
    for (const a of sortedKeys(this.accounts)) {
      const v = this.accounts.get(a)!
      const b = this.baseAccount(a)
      if (v === null) {
        if (b !== undefined) diff.accounts.set(a, null)
        continue
      }
      if (b !== undefined && sameAccount(b, v)) continue
      diff.accounts.set(a, v)
      if (v.codeHash !== EMPTY_CODE_HASH && !diff.code.has(v.codeHash)) {
        const c = this.codes.get(v.codeHash)
        if (c !== undefined && this.base.getCode(v.codeHash) === undefined)
          diff.code.set(v.codeHash, c)
      }
    }
    for (const a of sortedKeys(this.slots)) {
      const m = this.slots.get(a)!
      let out: Map<Hex, bigint> | undefined
      for (const k of sortedKeys(m)) {
        const v = m.get(k)!
        if (v === this.baseStorage(a, k)) continue
        if (out === undefined) {
          out = new Map()
          diff.storage.set(a, out)
        }
        out.set(k, v)
      }
    }
    return diff
  }
}
