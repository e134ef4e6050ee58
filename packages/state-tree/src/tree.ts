import { type Hex, toHex } from '@lanes/core'
import { EMPTY, isLeafRef, LEAF_STRIDE, leafOf, NODE_STRIDE, UNLOADED } from './arena.js'
import { bitAt, equalWords, isZero, type Word, wordBytes } from './bytes.js'
import { type SegmentHasher, TreeEngine } from './engine.js'
import {
  CorruptStoreError,
  InvalidInputError,
  StateTreeError,
  VersionNotFoundError,
  VersionOrderError,
  VersionPrunedError,
} from './errors.js'
import type { HashingMode } from './hash-program.js'
import { MemoryNodeStore } from './memory-node-store.js'
import type { NodeStore, RowRef, StoredRoot } from './node-store.js'
import { encodePath } from './path.js'
import { PROOF_EMPTY, PROOF_INCLUSION, PROOF_OTHER_LEAF, type SmtProof } from './proof.js'

/** One leaf change: a null (or all-zero) value deletes the key. */
export interface LeafUpdate {
  key: Word
  value: Word | null
}

export interface SparseMerkleTreeOptions {
  /** Hash large batches on worker threads (see WorkerHasher). */
  hasher?: SegmentHasher
  /** Bound of the in-memory cache of the latest version (README section 7). */
  cache?: CacheOptions
  /**
   * 'batched' (default): one keccak call per tree level of a batch; 'per-call': one hash-wasm
   * call per hash, the earlier path, kept for benchmarks (README section 8). Same roots.
   */
  hashing?: HashingMode
}

export interface CacheOptions {
  /** Most nodes + leaves kept in memory (default 4,000,000). */
  maxEntries?: number
  /** Most bytes of cached nodes and leaves (about 90 B each), whichever bound is lower. */
  maxBytes?: number
  /** Levels above this depth are never evicted (default 16: at most 2^17 nodes). */
  pinnedDepth?: number
}

/** Arena bytes per cached entry, averaged over nodes (84 B) and leaves (107 B) of a tree. */
const BYTES_PER_ENTRY = 90
const DEFAULT_MAX_ENTRIES = 4_000_000

function toVersionNumber(version: bigint): number {
  if (typeof version !== 'bigint' || version < 0n || version > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidInputError(`version must be a bigint in 0..2^53-1, got ${String(version)}`)
  return Number(version)
}

interface Walk {
  depth: number
  bitmap: Uint8Array
  siblings: Uint8Array[]
  /** Terminal leaf (key ‖ value, 64 bytes) or undefined for an empty terminal. */
  leaf: Uint8Array | undefined
}

/**
 * The Lanes state tree (README): a versioned binary sparse Merkle tree over a NodeStore.
 * The latest version lives in memory (TreeEngine); older retained versions are read from the
 * store. Versions are strictly increasing bigints (block numbers).
 */
export class SparseMerkleTree {
  readonly store: NodeStore
  private readonly engine: TreeEngine
  private hasher: SegmentHasher | undefined
  /** Version the in-memory engine holds; -1 = nothing yet. */
  private engineVersion = -1
  private readonly maxEntries: number

  constructor(store: NodeStore = new MemoryNodeStore(), options: SparseMerkleTreeOptions = {}) {
    this.store = store
    this.hasher = options.hasher
    this.engine = new TreeEngine(options.hashing)
    const c = options.cache ?? {}
    this.maxEntries = Math.min(
      c.maxEntries ?? DEFAULT_MAX_ENTRIES,
      c.maxBytes === undefined
        ? Number.POSITIVE_INFINITY
        : Math.floor(c.maxBytes / BYTES_PER_ENTRY),
    )
    if (!(this.maxEntries >= 1)) throw new InvalidInputError('cache bound must allow an entry')
    this.engine.pinDepth = c.pinnedDepth ?? 16
    this.engine.loader = (path) => this.store.readNode(path, this.engineVersion)
    this.sync()
  }

  static inMemory(options: SparseMerkleTreeOptions = {}): SparseMerkleTree {
    return new SparseMerkleTree(new MemoryNodeStore(), options)
  }

  setHasher(hasher: SegmentHasher | undefined): void {
    this.hasher = hasher
  }

  /**
   * Make the in-memory latest version match the store's (it can differ when the caller's
   * SQLite transaction rolled back, or on first use after opening a file).
   */
  private sync(): StoredRoot | undefined {
    const latest = this.store.latestRoot()
    const v = latest ? latest.version : -1
    // the root too: after a rollback and a re-apply, a caller's aborted transaction can leave
    // the store at the engine's version number with other contents
    if (
      v !== this.engineVersion ||
      (latest && !equalWords(latest.root, 0, this.engine.rootHash(), 0))
    ) {
      this.engine.resetTo(latest ? latest.root : new Uint8Array(32), latest ? latest.leafCount : 0)
      this.engineVersion = v
    }
    return latest
  }

  latestVersion(): bigint | undefined {
    const l = this.sync()
    return l ? BigInt(l.version) : undefined
  }

  /** Root of the latest version (the empty root before the first batch). */
  root(): Hex {
    this.sync()
    return toHex(this.engine.rootHash())
  }

  /** Number of present leaves in the latest version. */
  leafCount(): number {
    this.sync()
    return this.engine.leafCount
  }

  /** Nodes + leaves of the latest version held in memory (bounded by the cache options). */
  cachedEntries(): number {
    return this.engine.cachedEntries()
  }

  /**
   * Keep the cache within its bound: only stores that keep every row can reload what is
   * dropped (not LatestOnlyNodeStore, whose cache is the tree).
   */
  private bound(): void {
    if (this.store.keepsRows === false) return
    if (this.engine.cachedEntries() > this.maxEntries)
      this.engine.evict(Math.floor(this.maxEntries * 0.9))
  }

  rootAt(version: bigint): Hex {
    return toHex(this.checkVersion(version).root)
  }

  private checkVersion(version: bigint): StoredRoot {
    const v = toVersionNumber(version)
    const pruned = this.store.prunedBelow()
    if (v < pruned) throw new VersionPrunedError(version, BigInt(pruned))
    const latest = this.store.latestRoot()
    if (!latest || v > latest.version) throw new VersionNotFoundError(version)
    const r = this.store.rootAtOrBelow(v)
    if (!r) throw new VersionNotFoundError(version)
    return r
  }

  /** Apply one batch of updates (any order; duplicates are an error) as `version`. */
  applyBatch(version: bigint, updates: readonly LeafUpdate[]): Hex {
    const n = updates.length
    const keys = new Uint8Array(n * 32)
    const values = new Uint8Array(n * 32)
    const order = updates.map((u, i) => ({ k: wordBytes(u.key, 'key'), i }))
    order.sort((a, b) => {
      for (let x = 0; x < 32; x++) if (a.k[x] !== b.k[x]) return a.k[x]! - b.k[x]!
      return 0
    })
    for (let t = 0; t < n; t++) {
      const { k, i } = order[t]!
      keys.set(k, t * 32)
      const val = updates[i]!.value
      if (val !== null) values.set(wordBytes(val, 'value'), t * 32)
    }
    return this.applySorted(version, keys, values)
  }

  /**
   * Apply a batch already packed as sorted 32-byte keys and values (a zero value deletes):
   * the allocation-free path for large batches.
   */
  applySorted(version: bigint, keys: Uint8Array, values: Uint8Array): Hex {
    const v = toVersionNumber(version)
    if (keys.length % 32 !== 0 || values.length !== keys.length)
      throw new InvalidInputError('keys and values must be n × 32 bytes each')
    const latest = this.sync()
    if (latest && v <= latest.version) throw new VersionOrderError(version, BigInt(latest.version))
    this.engine.arena.clock++
    try {
      this.engine.apply(
        v,
        keys,
        values,
        keys.length / 32,
        this.hasher,
        this.store.keepsRows !== false,
      )
      this.store.writeVersion(this.engine)
    } catch (error) {
      // the in-memory tree may be half-updated: drop it, reload from the store lazily
      this.engineVersion = -2
      this.sync()
      throw error
    }
    this.engineVersion = v
    this.bound()
    return toHex(this.engine.root)
  }

  /** Value of `key` at `version` (latest when omitted), or null when absent. */
  get(key: Word, version?: bigint): Uint8Array | null {
    const w = this.walk(wordBytes(key, 'key'), version)
    if (!w.leaf) return null
    const k = wordBytes(key, 'key')
    return equalWords(w.leaf, 0, k, 0) ? w.leaf.slice(32, 64) : null
  }

  /** Proof of presence or absence of `key` at `version` (latest when omitted). */
  prove(key: Word, version?: bigint): SmtProof {
    const k = wordBytes(key, 'key')
    const w = this.walk(k, version)
    const base = { depth: w.depth, bitmap: w.bitmap, siblings: w.siblings }
    if (!w.leaf) return { kind: PROOF_EMPTY, ...base }
    if (equalWords(w.leaf, 0, k, 0)) return { kind: PROOF_INCLUSION, ...base }
    return {
      kind: PROOF_OTHER_LEAF,
      ...base,
      otherKey: w.leaf.slice(0, 32),
      otherValue: w.leaf.slice(32, 64),
    }
  }

  /** Forget versions below `keepFrom`: their roots and every node only they reach. */
  prune(keepFrom: bigint): { nodesDeleted: number } {
    const v = toVersionNumber(keepFrom)
    const latest = this.store.latestRoot()
    if (!latest || v > latest.version) throw new VersionNotFoundError(keepFrom)
    return this.store.prune(v)
  }

  /**
   * Drop every version after `version`: their roots, the node rows they wrote and their stale
   * records, so the tree is exactly as it was after `version` was applied and later versions
   * can be applied again. On SQLite it joins the caller's open transaction (or runs in its own).
   * Costs one row read per row written after `version`.
   */
  rollbackTo(version: bigint): void {
    this.checkVersion(version)
    const v = toVersionNumber(version)
    const rows: RowRef[] = []
    for (let r = this.store.latestRoot(); r && r.version > v; ) {
      if (!isZero(r.root)) this.collectRowsOf(r.version, rows)
      r = this.store.rootAtOrBelow(r.version - 1)
    }
    this.store.rollback(v, rows)
    this.engineVersion = -2
    this.sync()
  }

  /** The rows written by version `u`: the top of its tree whose rows carry version u. */
  private collectRowsOf(u: number, out: RowRef[]): void {
    const key = new Uint8Array(32)
    const stack: Uint8Array[] = [encodePath(0, key)]
    for (let path = stack.pop(); path; path = stack.pop()) {
      const row = this.store.readNode(path, u)
      if (!row || row.version !== u) continue
      out.push({ path, version: u })
      if (row.node[0] !== 1) continue
      const depth = (path[0]! << 8) | path[1]!
      key.fill(0)
      key.set(path.subarray(2))
      for (let side = 0; side < 2; side++)
        if (!isZero(row.node, 1 + side * 32)) stack.push(encodePath(depth + 1, key, 0, side))
    }
  }

  private walk(key: Uint8Array, version: bigint | undefined): Walk {
    const latest = this.sync()
    if (version === undefined || (latest && toVersionNumber(version) === latest.version)) {
      if (version !== undefined) this.checkVersion(version)
      this.engine.arena.clock++
      const w = this.walkLatest(key)
      this.bound()
      return w
    }
    const r = this.checkVersion(version)
    return this.walkStored(key, r)
  }

  private walkLatest(key: Uint8Array): Walk {
    const a = this.engine.arena
    const bitmap = new Uint8Array(32)
    const siblings: Uint8Array[] = []
    let p = 0
    let side = 0
    let d = 0
    for (;;) {
      let ref = side === 0 ? a.left[p]! : a.right[p]!
      if (ref === UNLOADED) ref = this.engine.load(p, side, d, key, 0)
      if (d === this.engine.pinDepth && ref >= 0) a.touch[ref] = a.clock
      if (ref === EMPTY) return { depth: d, bitmap, siblings, leaf: undefined }
      if (isLeafRef(ref)) {
        const o = leafOf(ref) * LEAF_STRIDE
        return { depth: d, bitmap, siblings, leaf: a.leaves.slice(o, o + 64) }
      }
      const b = bitAt(key, d)
      const so = ref * NODE_STRIDE + (1 - b) * 32
      if (!isZero(a.nodes, so)) {
        bitmap[d >> 3]! |= 0x80 >> (d & 7)
        siblings.push(a.nodes.slice(so, so + 32))
      }
      p = ref
      side = b
      d++
    }
  }

  private walkStored(key: Uint8Array, r: StoredRoot): Walk {
    const bitmap = new Uint8Array(32)
    const siblings: Uint8Array[] = []
    if (isZero(r.root)) return { depth: 0, bitmap, siblings, leaf: undefined }
    for (let d = 0; d <= 256; d++) {
      const row = this.store.readNode(encodePath(d, key), r.version)
      if (row?.node.length !== 65)
        throw new CorruptStoreError(`tree node missing at depth ${d} for version ${r.version}`)
      if (row.node[0] === 0) return { depth: d, bitmap, siblings, leaf: row.node.slice(1, 65) }
      const b = bitAt(key, d)
      const sib = row.node.subarray(1 + (1 - b) * 32, 33 + (1 - b) * 32)
      if (!isZero(sib)) {
        bitmap[d >> 3]! |= 0x80 >> (d & 7)
        siblings.push(sib.slice())
      }
      if (isZero(row.node, 1 + b * 32)) return { depth: d + 1, bitmap, siblings, leaf: undefined }
    }
    throw new StateTreeError('tree deeper than 256 levels')
  }
}
