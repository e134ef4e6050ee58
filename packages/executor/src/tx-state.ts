import type { AccountFields, StateManagerInterface } from '@ethereumjs/common'
import { Account as EjsAccount, type Address as EjsAddress, KECCAK256_RLP } from '@ethereumjs/util'
import {
  type Account,
  type Address,
  EMPTY_CODE_HASH,
  fromHex,
  type Hex,
  keccak256,
  LanesError,
  toHex,
} from '@lanes/core'

/**
 * Where a transaction's first reads go: the block state before the tx (sequential), or a
 * worker's multi-version view (parallel). Code is content-addressed, so code reads are
 * never part of a read set.
 */
export interface StateSource {
  account(address: Address): Account | undefined
  storage(address: Address, slot: Hex): bigint
  code(codeHash: Hex): Uint8Array | undefined
}

const EMPTY = new Uint8Array(0)
const codeHashBytes = new Map<Hex, Uint8Array>()
/** Code by hash, shared by every block of this thread: content-addressed, so never stale. */
const codeCache = new Map<Hex, Uint8Array>()
const CODE_CACHE_MAX = 4096

function hashBytes(hash: Hex): Uint8Array {
  let b = codeHashBytes.get(hash)
  if (b === undefined) {
    b = fromHex(hash)
    if (codeHashBytes.size > CODE_CACHE_MAX) codeHashBytes.clear()
    codeHashBytes.set(hash, b)
  }
  return b
}

function minimalBytes(v: bigint): Uint8Array {
  if (v === 0n) return EMPTY
  let hex = v.toString(16)
  if (hex.length & 1) hex = `0${hex}`
  return fromHex(`0x${hex}`)
}

function bytesToBig(b: Uint8Array): bigint {
  if (b.length === 0) return 0n
  let allZero = true
  for (let i = 0; i < b.length; i++)
    if (b[i] !== 0) {
      allZero = false
      break
    }
  return allZero ? 0n : BigInt(toHex(b))
}

export function isEmptyAccount(a: Account): boolean {
  return a.nonce === 0n && a.balance === 0n && a.codeHash === EMPTY_CODE_HASH
}

export class StateManagerMisuseError extends LanesError {
  override name = 'StateManagerMisuseError'
}

// Journal entry kinds: one flat object shape keeps V8's inline caches monomorphic.
const J_ACCOUNT = 0
const J_SLOT = 1
const J_CLEAR = 2
type JournalEntry = {
  kind: number
  address: Address
  slot: Hex
  prevAccount: Account | null | undefined
  prevSlot: bigint | undefined
  prevMap: Map<Hex, bigint> | undefined
  prevCleared: boolean
}

/**
 * The state one transaction sees and changes, as the @ethereumjs/evm StateManager.
 * Writes go to tx-local maps; every change is journaled, so checkpoint() is the
 * journal length and revert() undoes entries (O(changes), never O(state) like
 * SimpleStateManager). The first read of every key falls through to the source and is
 * remembered: that map is the tx's read set, and the local maps are its write set.
 */
export class TxState implements StateManagerInterface {
  source!: StateSource
  /** account writes of this tx: null = deleted */
  readonly accounts = new Map<Address, Account | null>()
  readonly storage = new Map<Address, Map<Hex, bigint>>()
  /** addresses whose storage was wiped in this tx (reads return 0, not the source) */
  readonly cleared = new Set<Address>()
  readonly codes = new Map<Hex, Uint8Array>()
  /** read set: first value seen from the source */
  readonly accountReads = new Map<Address, Account | undefined>()
  readonly storageReads = new Map<Address, Map<Hex, bigint>>()
  private readonly journal: JournalEntry[] = []
  private readonly checkpoints: number[] = []
  private readonly originals = new Map<string, bigint>()

  readonly originalStorageCache = {
    get: async (address: EjsAddress, key: Uint8Array): Promise<Uint8Array> =>
      minimalBytes(this.originalValue(address.toString() as Address, toHex(key))),
    clear: (): void => {},
  }

  /** Same rule as ethereumjs' OriginalStorageCache: the value at the first ask in this tx. */
  originalValue(address: Address, slot: Hex): bigint {
    const id = address + slot
    let v = this.originals.get(id)
    if (v === undefined) {
      v = this.getStorageValue(address, slot)
      this.originals.set(id, v)
    }
    return v
  }

  /** Start a new transaction on `source`. */
  reset(source: StateSource): void {
    this.source = source
    this.accounts.clear()
    this.storage.clear()
    this.cleared.clear()
    this.codes.clear()
    this.accountReads.clear()
    this.storageReads.clear()
    this.journal.length = 0
    this.checkpoints.length = 0
    this.originals.clear()
  }

  // ---- synchronous core (used by the native path and by the async interface) ----

  readAccount(address: Address): Account | undefined {
    if (this.accountReads.has(address)) return this.accountReads.get(address)
    const a = this.source.account(address)
    this.accountReads.set(address, a)
    return a
  }

  getAccountValue(address: Address): Account | undefined {
    const local = this.accounts.get(address)
    if (local !== undefined) return local ?? undefined
    if (local === null) return undefined
    return this.readAccount(address)
  }

  putAccountValue(address: Address, account: Account | null): void {
    // Outside any checkpoint nothing can be reverted: skip the journal (the native path).
    if (this.checkpoints.length === 0) {
      this.accounts.set(address, account)
      return
    }
    const prev = this.accounts.has(address) ? this.accounts.get(address) : undefined
    this.journal.push({
      kind: J_ACCOUNT,
      address,
      slot: '0x',
      prevAccount: this.accounts.has(address) ? (prev as Account | null) : undefined,
      prevSlot: undefined,
      prevMap: undefined,
      prevCleared: false,
    })
    this.accounts.set(address, account)
  }

  getStorageValue(address: Address, slot: Hex): bigint {
    const local = this.storage.get(address)?.get(slot)
    if (local !== undefined) return local
    if (this.cleared.has(address)) return 0n
    let reads = this.storageReads.get(address)
    if (reads === undefined) {
      reads = new Map()
      this.storageReads.set(address, reads)
    }
    let v = reads.get(slot)
    if (v === undefined) {
      v = this.source.storage(address, slot)
      reads.set(slot, v)
    }
    return v
  }

  putStorageValue(address: Address, slot: Hex, value: bigint): void {
    let m = this.storage.get(address)
    if (m === undefined) {
      m = new Map()
      this.storage.set(address, m)
    }
    if (this.checkpoints.length > 0)
      this.journal.push({
        kind: J_SLOT,
        address,
        slot,
        prevAccount: undefined,
        prevSlot: m.get(slot),
        prevMap: undefined,
        prevCleared: false,
      })
    m.set(slot, value)
  }

  clearStorageValue(address: Address): void {
    if (this.checkpoints.length > 0)
      this.journal.push({
        kind: J_CLEAR,
        address,
        slot: '0x',
        prevAccount: undefined,
        prevSlot: undefined,
        prevMap: this.storage.get(address),
        prevCleared: this.cleared.has(address),
      })
    this.storage.set(address, new Map())
    this.cleared.add(address)
  }

  codeByHash(hash: Hex): Uint8Array {
    if (hash === EMPTY_CODE_HASH) return EMPTY
    const local = this.codes.get(hash)
    if (local !== undefined) return local
    let code = codeCache.get(hash)
    if (code === undefined) {
      code = this.source.code(hash) ?? EMPTY
      if (codeCache.size >= CODE_CACHE_MAX) codeCache.clear()
      codeCache.set(hash, code)
    }
    return code
  }

  /** Open checkpoints plus the journal length, to undo a call that threw mid-way. */
  depth(): number {
    return this.journal.length
  }

  revertToDepth(length: number): void {
    this.checkpoints.length = 0
    this.checkpoints.push(length)
    this.revertSync()
  }

  checkpointSync(): void {
    this.checkpoints.push(this.journal.length)
  }

  commitSync(): void {
    if (this.checkpoints.pop() === undefined)
      throw new StateManagerMisuseError('commit without checkpoint')
  }

  revertSync(): void {
    const to = this.checkpoints.pop()
    if (to === undefined) throw new StateManagerMisuseError('revert without checkpoint')
    const j = this.journal
    for (let i = j.length - 1; i >= to; i--) {
      const e = j[i]!
      if (e.kind === J_ACCOUNT) {
        if (e.prevAccount === undefined) this.accounts.delete(e.address)
        else this.accounts.set(e.address, e.prevAccount)
      } else if (e.kind === J_SLOT) {
        const m = this.storage.get(e.address)!
        if (e.prevSlot === undefined) m.delete(e.slot)
        else m.set(e.slot, e.prevSlot)
      } else {
        if (e.prevMap === undefined) this.storage.delete(e.address)
        else this.storage.set(e.address, e.prevMap)
        if (!e.prevCleared) this.cleared.delete(e.address)
      }
    }
    j.length = to
  }

  // ---- StateManagerInterface (what @ethereumjs/evm calls) ----

  async getAccount(address: EjsAddress): Promise<EjsAccount | undefined> {
    return this.ejsAccount(address.toString() as Address)
  }

  /** The account as the EVM wants it, synchronously (fast-evm's SSTORE re-reads it). */
  ejsAccount(address: Address): EjsAccount | undefined {
    const a = this.getAccountValue(address)
    if (a === undefined) return undefined
    // A fresh object each time: the EVM mutates accounts before putting them back.
    return new EjsAccount(a.nonce, a.balance, KECCAK256_RLP, hashBytes(a.codeHash))
  }

  async putAccount(address: EjsAddress, account?: EjsAccount): Promise<void> {
    const addr = address.toString() as Address
    if (account === undefined) {
      this.putAccountValue(addr, null)
      return
    }
    this.putAccountValue(addr, {
      nonce: account.nonce,
      balance: account.balance,
      codeHash: toHex(account.codeHash),
    })
  }

  async deleteAccount(address: EjsAddress): Promise<void> {
    const addr = address.toString() as Address
    this.putAccountValue(addr, null)
    this.clearStorageValue(addr)
  }

  async modifyAccountFields(address: EjsAddress, fields: AccountFields): Promise<void> {
    const addr = address.toString() as Address
    const a = this.getAccountValue(addr) ?? { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
    this.putAccountValue(addr, {
      nonce: fields.nonce ?? a.nonce,
      balance: fields.balance ?? a.balance,
      codeHash: fields.codeHash === undefined ? a.codeHash : toHex(fields.codeHash),
    })
  }

  async putCode(address: EjsAddress, value: Uint8Array): Promise<void> {
    const addr = address.toString() as Address
    const hash = value.length === 0 ? EMPTY_CODE_HASH : toHex(keccak256(value))
    if (value.length > 0) this.codes.set(hash, value)
    const a = this.getAccountValue(addr) ?? { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
    this.putAccountValue(addr, { nonce: a.nonce, balance: a.balance, codeHash: hash })
  }

  async getCode(address: EjsAddress): Promise<Uint8Array> {
    const a = this.getAccountValue(address.toString() as Address)
    if (a === undefined) return EMPTY
    return this.codeByHash(a.codeHash)
  }

  async getCodeSize(address: EjsAddress): Promise<number> {
    return (await this.getCode(address)).length
  }

  async getStorage(address: EjsAddress, key: Uint8Array): Promise<Uint8Array> {
    return minimalBytes(this.getStorageValue(address.toString() as Address, toHex(key)))
  }

  async putStorage(address: EjsAddress, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.putStorageValue(address.toString() as Address, toHex(key), bytesToBig(value))
  }

  async clearStorage(address: EjsAddress): Promise<void> {
    this.clearStorageValue(address.toString() as Address)
  }

  async checkpoint(): Promise<void> {
    this.checkpointSync()
  }

  async commit(): Promise<void> {
    this.commitSync()
  }

  async revert(): Promise<void> {
    this.revertSync()
  }

  getStateRoot(): Promise<Uint8Array> {
    throw new StateManagerMisuseError('TxState has no state root')
  }

  setStateRoot(): Promise<void> {
    throw new StateManagerMisuseError('TxState has no state root')
  }

  hasStateRoot(): Promise<boolean> {
    throw new StateManagerMisuseError('TxState has no state root')
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    throw new StateManagerMisuseError('TxState cannot be copied')
  }
}
