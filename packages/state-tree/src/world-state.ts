import {
  type Account,
  type Address,
  type Hex,
  type StateDiff,
  type StateReader,
  toHex,
} from '@lanes/core'
import type Database from 'better-sqlite3'
import { compareWords } from './bytes.js'
import type { SegmentHasher } from './engine.js'
import { InvalidInputError, UnsortedBatchError } from './errors.js'
import { type FlatState, normAddress, normSlot } from './flat-state.js'
import { accountKey, accountValue, storageKey, storageValue } from './keys.js'
import { MemoryFlatState } from './memory-flat-state.js'
import { MemoryNodeStore } from './memory-node-store.js'
import { encodeProof, type SmtProof } from './proof.js'
import { SqliteFlatState } from './sqlite-flat-state.js'
import { SqliteNodeStore } from './sqlite-node-store.js'
import { type CacheOptions, SparseMerkleTree } from './tree.js'

export interface AccountProof {
  address: Address
  version: bigint
  root: Hex
  /** Leaf key keccak256(address). */
  key: Hex
  /** The account, or undefined when absent (the proof then shows absence). */
  account: Account | undefined
  /** Leaf value keccak256(nonce ‖ balance ‖ codeHash), or null when absent. */
  value: Hex | null
  proof: SmtProof
  /** README section 4 byte encoding of `proof`. */
  encoded: Hex
}

export interface StorageProof {
  address: Address
  slot: Hex
  version: bigint
  root: Hex
  /** Leaf key keccak256(address ‖ slot). */
  key: Hex
  value: bigint
  /** Leaf value: the 32-byte word, or null for zero (absent). */
  leafValue: Hex | null
  proof: SmtProof
  encoded: Hex
}

export interface WorldStateOptions {
  hasher?: SegmentHasher
  /** Bound of the tree's in-memory cache (SparseMerkleTree options). */
  cache?: CacheOptions
}

function toVersion(v: bigint): number {
  if (typeof v !== 'bigint' || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidInputError(`version must be a bigint in 0..2^53-1, got ${String(v)}`)
  return Number(v)
}

/**
 * L2 state for the sequencer and prover: flat tables for reads (latest and historical), the
 * versioned state tree for roots and proofs, both written by `applyDiff` in one go.
 */
export class WorldState implements StateReader {
  readonly tree: SparseMerkleTree
  private readonly flat: FlatState
  private readonly db: Database.Database | undefined

  private constructor(tree: SparseMerkleTree, flat: FlatState, db?: Database.Database) {
    this.tree = tree
    this.flat = flat
    this.db = db
  }

  static inMemory(options: WorldStateOptions = {}): WorldState {
    return new WorldState(
      new SparseMerkleTree(new MemoryNodeStore(), options),
      new MemoryFlatState(),
    )
  }

  /** On a better-sqlite3 connection the caller opened (see openDatabase for WAL + FULL). */
  static sqlite(db: Database.Database, options: WorldStateOptions = {}): WorldState {
    return new WorldState(
      new SparseMerkleTree(new SqliteNodeStore(db), options),
      new SqliteFlatState(db),
      db,
    )
  }

  // ---- StateReader (latest version) ----
  getAccount(address: Address): Account | undefined {
    return this.flat.getAccount(address)
  }
  getStorage(address: Address, slot: Hex): bigint {
    return this.flat.getStorage(address, slot)
  }
  getCode(codeHash: Hex): Uint8Array | undefined {
    return this.flat.getCode(codeHash)
  }

  latestVersion(): bigint | undefined {
    return this.tree.latestVersion()
  }

  /** Root of `version`, or of the latest version when omitted (empty root before any diff). */
  root(version?: bigint): Hex {
    return version === undefined ? this.tree.root() : this.tree.rootAt(version)
  }

  /**
   * A reader of the state as of `version` (any retained version; typed errors otherwise),
   * served from the history rows of the flat tables.
   */
  readerAt(version: bigint): StateReader {
    this.tree.rootAt(version) // VersionPrunedError / VersionNotFoundError
    const v = toVersion(version)
    const flat = this.flat
    return {
      getAccount: (address) => flat.getAccount(address, v),
      getStorage: (address, slot) => flat.getStorage(address, slot, v),
      getCode: (codeHash) => flat.getCode(codeHash),
    }
  }

  /**
   * Apply a block's diff as `version`: one sorted leaf batch into the tree, plus flat rows and
   * code. A deleted account (null) loses every storage slot too (README section 9). On SQLite it joins the caller's open transaction, or runs in its own.
   */
  applyDiff(version: bigint, diff: StateDiff): Hex {
    const v = toVersion(version)
    const run = (): Hex => {
      const full = clearDeletedStorage(diff, (a) => this.flat.storageSlots(a))
      const { keys, values } = diffToBatch(full)
      const root = this.tree.applySorted(version, keys, values)
      this.flat.write(v, full)
      return root
    }
    if (this.db && !this.db.inTransaction) return this.db.transaction(run)()
    return run()
  }

  proveAccount(address: Address, version?: bigint): AccountProof {
    const a = normAddress(address)
    const ver = version ?? this.requireLatest()
    const root = this.tree.rootAt(ver)
    const key = accountKey(a)
    const proof = this.tree.prove(key, ver)
    const leaf = this.tree.get(key, ver)
    const account = this.readerAt(ver).getAccount(a)
    return {
      address: a,
      version: ver,
      root,
      key: toHex(key),
      account,
      value: leaf ? toHex(leaf) : null,
      proof,
      encoded: toHex(encodeProof(proof)),
    }
  }

  proveStorage(address: Address, slot: Hex, version?: bigint): StorageProof {
    const a = normAddress(address)
    const s = normSlot(slot)
    const ver = version ?? this.requireLatest()
    const root = this.tree.rootAt(ver)
    const key = storageKey(a, s)
    const proof = this.tree.prove(key, ver)
    const leaf = this.tree.get(key, ver)
    return {
      address: a,
      slot: s,
      version: ver,
      root,
      key: toHex(key),
      value: leaf ? BigInt(toHex(leaf)) : 0n,
      leafValue: leaf ? toHex(leaf) : null,
      proof,
      encoded: toHex(encodeProof(proof)),
    }
  }

  /** Forget versions below keepFrom (tree nodes and flat history). */
  prune(keepFrom: bigint): { nodesDeleted: number } {
    const run = () => {
      const r = this.tree.prune(keepFrom)
      this.flat.prune(toVersion(keepFrom))
      return r
    }
    if (this.db && !this.db.inTransaction) return this.db.transaction(run)()
    return run()
  }

  /**
   * Drop every version after `version` (tree nodes and roots, flat history, latest values), as
   * if the later diffs were never applied. On SQLite it joins the caller's open transaction.
   * Typed errors for a pruned or unknown version. Code rows stay (stored by hash).
   */
  rollbackTo(version: bigint): void {
    const run = () => {
      this.tree.rollbackTo(version)
      this.flat.rollback(toVersion(version))
    }
    if (this.db && !this.db.inTransaction) this.db.transaction(run)()
    else run()
  }

  private requireLatest(): bigint {
    const v = this.tree.latestVersion()
    if (v === undefined) throw new InvalidInputError('the state has no version yet')
    return v
  }
}

/**
 * The diff with every slot of each deleted account set to zero: the slots it holds now
 * (`slotsOf`, from the flat state's index of an account's storage keys) and any the diff itself
 * writes, since an account deleted at the end of a block has no storage (EIP-6780: a contract
 * created and self-destructed in one tx; a state diff marking an account deleted).
 */
export function clearDeletedStorage(
  diff: StateDiff,
  slotsOf: (address: Address) => readonly Hex[],
): StateDiff {
  const deleted = [...diff.accounts].filter(([, a]) => a === null).map(([a]) => normAddress(a))
  if (deleted.length === 0) return diff
  const storage = new Map<Address, Map<Hex, bigint>>()
  for (const [address, slots] of diff.storage) {
    const a = normAddress(address)
    const m = storage.get(a) ?? new Map<Hex, bigint>()
    for (const [slot, value] of slots) m.set(normSlot(slot), value)
    storage.set(a, m)
  }
  for (const a of deleted) {
    const m = storage.get(a) ?? new Map<Hex, bigint>()
    for (const slot of m.keys()) m.set(slot, 0n)
    for (const slot of slotsOf(a)) m.set(normSlot(slot), 0n)
    if (m.size > 0) storage.set(a, m)
  }
  return { accounts: diff.accounts, storage, code: diff.code }
}

/** Turn a StateDiff into sorted packed leaf keys/values (zero value = delete). */
export function diffToBatch(diff: StateDiff): { keys: Uint8Array; values: Uint8Array } {
  const entries: { key: Uint8Array; value: Uint8Array | null }[] = []
  for (const [address, account] of diff.accounts) {
    const a = normAddress(address)
    entries.push({ key: accountKey(a), value: account ? accountValue(account) : null })
  }
  for (const [address, slots] of diff.storage) {
    const a = normAddress(address)
    for (const [slot, value] of slots)
      entries.push({ key: storageKey(a, normSlot(slot)), value: storageValue(value) })
  }
  entries.sort((x, y) => compareWords(x.key, 0, y.key, 0))
  const n = entries.length
  const keys = new Uint8Array(n * 32)
  const values = new Uint8Array(n * 32)
  for (let i = 0; i < n; i++) {
    const e = entries[i]!
    if (i > 0 && compareWords(entries[i - 1]!.key, 0, e.key, 0) === 0)
      throw new UnsortedBatchError(i)
    keys.set(e.key, i * 32)
    if (e.value) values.set(e.value, i * 32)
  }
  return { keys, values }
}
