import {
  Arena,
  EMPTY,
  isLeafRef,
  LEAF_STRIDE,
  leafOf,
  leafRef,
  NODE_STRIDE,
  UNLOADED,
} from './arena.js'
import { compareWords, equalWords, isZero } from './bytes.js'
import { CorruptStoreError, UnsortedBatchError } from './errors.js'
import {
  createOpRunner,
  type HashingMode,
  OP_LEAF,
  OP_NODE,
  type OpRunner,
  opWord,
} from './hash-program.js'
import type { StoredNode, VersionWrite } from './node-store.js'
import { PATH_SLOT, PATH_WORDS, writePath, writePathSlot } from './path.js'

/** Row node slots: tag at +3, the 64 node bytes from +4 (4-byte aligned, copied as words). */
export const NODE_SLOT = 68

/** An int32 view of a 4-byte aligned byte array (cached: the views are made per batch). */
function words(a: Uint8Array<ArrayBufferLike>, cache: Int32Array<ArrayBufferLike>): Int32Array {
  if (
    cache.buffer === a.buffer &&
    cache.byteOffset === a.byteOffset &&
    cache.length === a.length >> 2
  )
    return cache
  return new Int32Array(a.buffer, a.byteOffset, a.length >> 2)
}
const EMIT_NODE = 0
const EMIT_LEAF = 1

/** Runs the independent subtree op ranges of a batch, possibly on other threads. */
export interface SegmentHasher {
  /** Key-prefix depth at which the batch is split into independent subtrees. */
  readonly splitDepth: number
  /** Smallest batch worth splitting. */
  readonly minBatch: number
  /** Run ops prog[seg[2s] .. seg[2s+1]) for every s < segCount; returns when all are done. */
  runSegments(arena: Arena, prog: Int32Array, segs: Int32Array, segCount: number): void
}

function growI32(
  a: Int32Array<ArrayBufferLike>,
  need: number,
  shared = false,
): Int32Array<ArrayBufferLike> {
  if (need <= a.length) return a
  let n = a.length * 2
  while (n < need) n *= 2
  const next = shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n)
  next.set(a)
  return next
}

function growU8(a: Uint8Array<ArrayBufferLike>, need: number): Uint8Array<ArrayBufferLike> {
  if (need <= a.length) return a
  let n = a.length * 2
  while (n < need) n *= 2
  const next = new Uint8Array(n)
  next.set(a)
  return next
}

function growF64(a: Float64Array<ArrayBufferLike>, need: number): Float64Array<ArrayBufferLike> {
  if (need <= a.length) return a
  let n = a.length * 2
  while (n < need) n *= 2
  const next = new Float64Array(n)
  next.set(a)
  return next
}

/**
 * The batch-update engine over the in-memory latest version (see arena.ts). One call of
 * `apply` takes sorted keys and values (zero value = delete), rebuilds the touched part of the
 * tree in place, hashes every changed node exactly once, and leaves the rows to persist in a
 * `VersionWrite`. Missing parts of the tree are loaded on demand through `loader`.
 */
export class TreeEngine implements VersionWrite {
  readonly arena = new Arena()
  private readonly runner: OpRunner
  /** Reads a row of the latest stored version (for lazily loaded trees); undefined = none. */
  loader: ((path: Uint8Array) => StoredNode | undefined) | undefined
  /** Depth of the cache's eviction units: nodes above it stay pinned (see `evict`). */
  pinDepth = 16

  // current batch
  private bk: Uint8Array<ArrayBufferLike> = new Uint8Array(0)
  private bv: Uint8Array<ArrayBufferLike> = new Uint8Array(0)
  private bdel: Uint8Array<ArrayBufferLike> = new Uint8Array(0)
  private cnt: Int32Array<ArrayBufferLike> = new Int32Array(1)

  // hash program
  prog: Int32Array<ArrayBufferLike> = new Int32Array(new SharedArrayBuffer(3 * 4096 * 4))
  progLen = 0
  segs: Int32Array<ArrayBufferLike> = new Int32Array(new SharedArrayBuffer(2 * 64 * 4))
  segCount = 0
  private splitDepth = -1

  // rows to write
  private emitKind: Uint8Array<ArrayBufferLike> = new Uint8Array(1024)
  private emitIdx: Int32Array<ArrayBufferLike> = new Int32Array(1024)
  private emitDepth: Int32Array<ArrayBufferLike> = new Int32Array(1024)
  private emitKey: Int32Array<ArrayBufferLike> = new Int32Array(1024)
  private emitCount = 0
  private rowPaths = new Int32Array(1024 * PATH_WORDS)
  private rowPathLen: Uint8Array<ArrayBufferLike> = new Uint8Array(1024)
  private rowNodes = new Int32Array(1024 * (NODE_SLOT >> 2))
  private stalePaths = new Int32Array(1024 * PATH_WORDS)
  private stalePathLen: Uint8Array<ArrayBufferLike> = new Uint8Array(1024)
  private rowPathBytes = new Uint8Array(this.rowPaths.buffer)
  private rowNodeBytes = new Uint8Array(this.rowNodes.buffer)
  private stalePathBytes = new Uint8Array(this.stalePaths.buffer)
  // int32 views of the batch keys and the arena slabs
  private bk32: Int32Array<ArrayBufferLike> = new Int32Array(0)
  private leaves32: Int32Array<ArrayBufferLike> = new Int32Array(0)
  private nodes32: Int32Array<ArrayBufferLike> = new Int32Array(0)
  private staleVer: Float64Array<ArrayBufferLike> = new Float64Array(1024)

  // VersionWrite
  version = 0
  root = new Uint8Array(32)
  leafCount = 0
  rowCount = 0
  staleCount = 0

  private readonly scratchPath = new Uint8Array(PATH_SLOT)
  /** Op ranges the main thread hashes itself (outside the workers' segments). */
  private readonly gaps: number[] = []

  constructor(hashing: HashingMode = 'batched') {
    this.runner = createOpRunner(hashing)
  }

  get rowPathBuf(): Int32Array {
    return this.rowPaths
  }
  get rowNodeBuf(): Int32Array {
    return this.rowNodes
  }
  get stalePathBuf(): Int32Array {
    return this.stalePaths
  }

  rowPath(i: number): Uint8Array {
    const o = i * PATH_SLOT + 2
    return this.rowPathBytes.subarray(o, o + this.rowPathLen[i]!)
  }
  rowNode(i: number): Uint8Array {
    return this.rowNodeBytes.subarray(i * NODE_SLOT + 3, i * NODE_SLOT + NODE_SLOT)
  }
  stalePath(i: number): Uint8Array {
    const o = i * PATH_SLOT + 2
    return this.stalePathBytes.subarray(o, o + this.stalePathLen[i]!)
  }
  staleVersion(i: number): number {
    return this.staleVer[i]!
  }

  /** Root hash of the in-memory latest version. */
  rootHash(): Uint8Array {
    return this.arena.nodes.subarray(0, 32)
  }

  /** Point the engine at a stored latest version without loading anything yet. */
  resetTo(root: Uint8Array, leafCount: number): void {
    this.arena.reset()
    this.arena.nodes.set(root, 0)
    this.arena.left[0] = isZero(root) ? EMPTY : UNLOADED
    this.leafCount = leafCount
  }

  /**
   * Apply one sorted batch. `keys` and `values` hold n 32-byte words; a zero value deletes.
   * Afterwards `root`, `rowCount`/`rowPath`/`rowNode` and `staleCount`/… describe the version.
   */
  apply(
    version: number,
    keys: Uint8Array,
    values: Uint8Array,
    n: number,
    hasher?: SegmentHasher,
    rows = true,
  ): void {
    for (let t = 1; t < n; t++)
      if (compareWords(keys, (t - 1) * 32, keys, t * 32) >= 0) throw new UnsortedBatchError(t)
    this.version = version
    this.keepRows = rows
    // word views need 4-byte aligned keys: copy a caller's unaligned array
    this.bk = keys.byteOffset & 3 ? keys.slice(0, n * 32) : keys
    this.bv = values
    this.bk32 = words(this.bk, this.bk32)
    if (this.bdel.length < n) this.bdel = new Uint8Array(Math.max(n, 2 * this.bdel.length))
    if (this.cnt.length < n + 1) this.cnt = new Int32Array(Math.max(n + 1, 2 * this.cnt.length))
    const bdel = this.bdel
    const cnt = this.cnt
    cnt[0] = 0
    for (let t = 0; t < n; t++) {
      const del = isZero(values, t * 32) ? 1 : 0
      bdel[t] = del
      cnt[t + 1] = cnt[t]! + 1 - del
    }
    this.progLen = 0
    this.segCount = 0
    this.emitCount = 0
    this.staleCount = 0
    this.splitDepth = hasher && n >= hasher.minBatch ? hasher.splitDepth : -1
    this.arena.reserve(2 * n + 64, n)

    if (n > 0) {
      this.visit(0, 0, 0, 0, n)
      const a = this.arena
      const r = a.left[0]!
      if (isLeafRef(r)) this.finalizeLeaf(0, 0, 0, leafOf(r))
    }

    // hashing: independent subtrees (maybe on workers), then what lies above them
    if (this.segCount > 0 && hasher) {
      hasher.runSegments(this.arena, this.prog, this.segs, this.segCount)
      const gaps = this.gaps
      gaps.length = 0
      let from = 0
      for (let s = 0; s < this.segCount; s++) {
        gaps.push(from, this.segs[2 * s]!)
        from = this.segs[2 * s + 1]!
      }
      gaps.push(from, this.progLen)
      this.runner.run(this.arena.nodes, this.arena.leaves, this.prog, gaps, gaps.length >> 1)
    } else {
      this.gaps.length = 0
      this.gaps.push(0, this.progLen)
      this.runner.run(this.arena.nodes, this.arena.leaves, this.prog, this.gaps, 1)
    }

    if (rows) this.serializeRows()
    else {
      this.rowCount = 0
      this.staleCount = 0
    }
    this.root.set(this.arena.nodes.subarray(0, 32))
    this.leafCount += this.leafDelta
    this.leafDelta = 0
  }

  private leafDelta = 0

  // ---- structural pass ------------------------------------------------------------------

  private setRef(p: number, side: number, ref: number): void {
    if (side === 0) this.arena.left[p] = ref
    else this.arena.right[p] = ref
  }

  private zeroSlot(p: number, side: number): void {
    const o = p * NODE_STRIDE + side * 32
    this.arena.nodes.fill(0, o, o + 32)
  }

  /** First index in [lo, hi) whose key has bit d set (keys there share bits < d). */
  private split(lo: number, hi: number, d: number): number {
    const bk = this.bk
    const byte = d >> 3
    const mask = 0x80 >> (d & 7)
    let a = lo
    let b = hi
    while (a < b) {
      const m = (a + b) >> 1
      if (bk[m * 32 + byte]! & mask) b = m
      else a = m + 1
    }
    return a
  }

  /** Index of the batch key equal to the leaf j's key within [lo, hi), or -1. */
  private find(lo: number, hi: number, j: number): number {
    const bk = this.bk
    const leaves = this.arena.leaves
    const off = j * LEAF_STRIDE
    let a = lo
    let b = hi
    while (a < b) {
      const m = (a + b) >> 1
      const c = compareWords(bk, m * 32, leaves, off)
      if (c === 0) return m
      if (c < 0) a = m + 1
      else b = m
    }
    return -1
  }

  private inSeg = false

  private visit(p: number, side: number, d: number, lo: number, hi: number): boolean {
    const a = this.arena
    const top = d === this.splitDepth && !this.inSeg
    const segStart = this.progLen
    if (top) this.inSeg = true
    let ref = side === 0 ? a.left[p]! : a.right[p]!
    if (ref === UNLOADED) ref = this.load(p, side, d, this.bk, lo * 32)
    if (d === this.pinDepth && ref >= 0) a.touch[ref] = a.clock
    let changed: boolean
    if (ref === EMPTY) changed = this.build(p, side, d, lo, hi)
    else if (isLeafRef(ref)) changed = this.mergeLeaf(p, side, d, lo, hi, leafOf(ref))
    else changed = this.visitNode(p, side, d, lo, hi, ref)
    if (top) this.endSeg(segStart)
    return changed
  }

  private visitNode(p: number, side: number, d: number, lo: number, hi: number, i: number) {
    const mid = this.split(lo, hi, d)
    let ch = false
    if (lo < mid && this.visit(i, 0, d + 1, lo, mid)) ch = true
    if (mid < hi && this.visit(i, 1, d + 1, mid, hi)) ch = true
    if (!ch) return false
    const a = this.arena
    let l = a.left[i]!
    let r = a.right[i]!
    if (l === EMPTY || r === EMPTY) {
      if (l === UNLOADED) l = this.load(i, 0, d + 1, this.bk, lo * 32)
      if (r === UNLOADED) r = this.load(i, 1, d + 1, this.bk, lo * 32)
      const collapse =
        (l === EMPTY && (r === EMPTY || isLeafRef(r))) || (r === EMPTY && isLeafRef(l))
      if (collapse) {
        this.addStale(d, this.bk32, lo * 8, a.nodeVersion[i]!)
        a.freeNode(i)
        const keep = l === EMPTY ? r : l
        this.setRef(p, side, keep)
        if (keep === EMPTY) this.zeroSlot(p, side)
        return true
      }
    }
    this.finalizeChildren(i, d + 1)
    if (a.nodeVersion[i] !== this.version) {
      this.addStale(d, this.bk32, lo * 8, a.nodeVersion[i]!)
      a.nodeVersion[i] = this.version
    }
    this.pushOp(opWord(OP_NODE, d), i, p * NODE_STRIDE + side * 32)
    this.pushEmit(EMIT_NODE, i, d, lo)
    return true
  }

  /** The slot is empty: place the non-deleting updates of [lo, hi) under it. */
  private build(p: number, side: number, d: number, lo: number, hi: number): boolean {
    const cnt = this.cnt
    const m = cnt[hi]! - cnt[lo]!
    if (m === 0) return false
    if (m === 1) {
      let t = lo
      while (this.bdel[t]) t++
      this.setRef(p, side, leafRef(this.newLeaf(t)))
      return true
    }
    const top = d === this.splitDepth && !this.inSeg
    const segStart = this.progLen
    if (top) this.inSeg = true
    const i = this.arena.allocNode(this.version)
    this.setRef(p, side, i)
    const mid = this.split(lo, hi, d)
    this.build(i, 0, d + 1, lo, mid)
    this.build(i, 1, d + 1, mid, hi)
    this.finishNew(p, side, d, lo, i)
    if (top) this.endSeg(segStart)
    return true
  }

  private finishNew(p: number, side: number, d: number, lo: number, i: number): void {
    this.finalizeChildren(i, d + 1)
    this.pushOp(opWord(OP_NODE, d), i, p * NODE_STRIDE + side * 32)
    this.pushEmit(EMIT_NODE, i, d, lo)
  }

  private newLeaf(t: number): number {
    const a = this.arena
    const j = a.allocLeaf()
    const o = j * LEAF_STRIDE
    const leaves = a.leaves
    const bk = this.bk
    const bv = this.bv
    for (let b = 0; b < 32; b++) {
      leaves[o + b] = bk[t * 32 + b]!
      leaves[o + 32 + b] = bv[t * 32 + b]!
    }
    this.leafDelta++
    return j
  }

  private mergeLeaf(p: number, side: number, d: number, lo: number, hi: number, j: number) {
    const a = this.arena
    const cnt = this.cnt
    const idx = this.find(lo, hi, j)
    if (idx >= 0) {
      if (this.bdel[idx]) {
        this.removeLeaf(j)
        this.setRef(p, side, EMPTY)
        this.zeroSlot(p, side)
        this.build(p, side, d, lo, hi)
        return true
      }
      const vo = j * LEAF_STRIDE + 32
      const same = equalWords(a.leaves, vo, this.bv, idx * 32)
      if (!same) {
        a.leaves.set(this.bv.subarray(idx * 32, idx * 32 + 32), vo)
        a.leafDirty[j] = 1
      }
      if (cnt[hi]! - cnt[lo]! - 1 === 0) return !same
      this.splitWithLeaf(p, side, d, lo, hi, j, idx)
      return true
    }
    if (cnt[hi]! - cnt[lo]! === 0) return false
    this.splitWithLeaf(p, side, d, lo, hi, j, -1)
    return true
  }

  /**
   * Replace the slot holding leaf j by an internal node over leaf j and the non-deleting
   * updates of [lo, hi) other than `skip` (the update of j's own key, already applied).
   */
  private splitWithLeaf(
    p: number,
    side: number,
    d: number,
    lo: number,
    hi: number,
    j: number,
    skip: number,
  ): void {
    const a = this.arena
    const top = d === this.splitDepth && !this.inSeg
    const segStart = this.progLen
    if (top) this.inSeg = true
    const i = a.allocNode(this.version)
    this.setRef(p, side, i)
    const ko = j * LEAF_STRIDE
    const b = (a.leaves[ko + (d >> 3)]! >> (7 - (d & 7))) & 1
    const mid = this.split(lo, hi, d)
    const llo = b ? mid : lo
    const lhi = b ? hi : mid
    if (b) this.build(i, 0, d + 1, lo, mid)
    else this.build(i, 1, d + 1, mid, hi)
    this.setRef(i, b, leafRef(j))
    const cnt = this.cnt
    const rest = cnt[lhi]! - cnt[llo]! - (skip >= llo && skip < lhi ? 1 : 0)
    if (rest > 0) this.splitWithLeaf(i, b, d + 1, llo, lhi, j, skip)
    // every update key in [lo, hi) (never empty here) shares the node's path
    this.finishNew(p, side, d, lo, i)
    if (top) this.endSeg(segStart)
  }

  private removeLeaf(j: number): void {
    const a = this.arena
    if (a.leafVersion[j]! >= 0)
      this.addStale(a.leafDepth[j]!, this.leafWords(), j * (LEAF_STRIDE >> 2), a.leafVersion[j]!)
    a.freeLeaf(j)
    this.leafDelta--
  }

  private finalizeChildren(i: number, cd: number): void {
    const a = this.arena
    const l = a.left[i]!
    if (isLeafRef(l)) this.finalizeLeaf(i, 0, cd, leafOf(l))
    const r = a.right[i]!
    if (isLeafRef(r)) this.finalizeLeaf(i, 1, cd, leafOf(r))
  }

  /** Leaf j now sits for good in slot (p, side) at depth d: hash it or copy its hash, row it. */
  private finalizeLeaf(p: number, side: number, d: number, j: number): void {
    const a = this.arena
    const dirty = a.leafDirty[j] === 1
    if (!dirty && a.leafDepth[j] === d && a.leafVersion[j]! >= 0) return
    const dst = p * NODE_STRIDE + side * 32
    if (dirty) this.pushOp(opWord(OP_LEAF, d), j, dst)
    else {
      const s = j * LEAF_STRIDE + 64
      const nodes = a.nodes
      const leaves = a.leaves
      for (let b = 0; b < 32; b++) nodes[dst + b] = leaves[s + b]!
    }
    if (a.leafVersion[j]! >= 0)
      this.addStale(a.leafDepth[j]!, this.leafWords(), j * (LEAF_STRIDE >> 2), a.leafVersion[j]!)
    this.pushEmit(EMIT_LEAF, j, d, -1)
    a.leafVersion[j] = this.version
    a.leafDepth[j] = d
    a.leafDirty[j] = 0
  }

  /**
   * Materialise the child (p, side) at depth d from the store. `key` at `keyOff` is any key
   * under p (its first d-1 bits are p's path); the child's last path bit is `side`.
   */
  load(p: number, side: number, d: number, key: Uint8Array, keyOff: number): number {
    const a = this.arena
    const len = writePath(this.scratchPath, 0, d, key, keyOff, d > 0 ? side : -1)
    const row = this.loader?.(this.scratchPath.slice(0, len))
    if (row?.node.length !== 65)
      throw new CorruptStoreError(`tree node missing from the store at depth ${d}`)
    const slot = p * NODE_STRIDE + side * 32
    let ref: number
    if (row.node[0] === 1) {
      const i = a.allocNode(row.version)
      a.nodes.set(row.node.subarray(1, 65), i * NODE_STRIDE)
      a.left[i] = isZero(row.node, 1) ? EMPTY : UNLOADED
      a.right[i] = isZero(row.node, 33) ? EMPTY : UNLOADED
      ref = i
    } else if (row.node[0] === 0) {
      const j = a.allocLeaf()
      const o = j * LEAF_STRIDE
      a.leaves.set(row.node.subarray(1, 65), o)
      a.leaves.set(a.nodes.subarray(slot, slot + 32), o + 64)
      a.leafVersion[j] = row.version
      a.leafDepth[j] = d
      a.leafDirty[j] = 0
      ref = leafRef(j)
    } else {
      throw new CorruptStoreError(`unknown node tag ${row.node[0]}`)
    }
    this.setRef(p, side, ref)
    return ref
  }

  // ---- cache bound ------------------------------------------------------------------------

  /** Nodes and leaves held in memory. */
  cachedEntries(): number {
    return this.arena.liveNodes + this.arena.liveLeaves
  }

  /**
   * Unload whole subtrees rooted at `pinDepth`, least recently used first, until at most
   * `target` entries stay; everything above `pinDepth` stays. An unloaded slot keeps its hash
   * and is read back from the store on the next use, so only call this when every row of the
   * latest version is stored.
   */
  evict(target: number): void {
    const a = this.arena
    const units: number[] = [] // (node, parent, side) triples
    const stack = [0, 0, 0] // (parent, side, depth) of slots to look at
    while (stack.length > 0) {
      const d = stack.pop()!
      const side = stack.pop()!
      const p = stack.pop()!
      const ref = side === 0 ? a.left[p]! : a.right[p]!
      if (ref < 0) continue // empty, unloaded or a leaf: nothing below to unload
      if (d === this.pinDepth) units.push(ref, p, side)
      else stack.push(ref, 0, d + 1, ref, 1, d + 1)
    }
    const order = Array.from({ length: units.length / 3 }, (_, u) => u)
    order.sort((x, y) => a.touch[units[3 * x]!]! - a.touch[units[3 * y]!]!)
    for (const u of order) {
      if (this.cachedEntries() <= target) break
      this.freeSubtree(units[3 * u]!)
      this.setRef(units[3 * u + 1]!, units[3 * u + 2]!, UNLOADED)
    }
  }

  private freeSubtree(root: number): void {
    const a = this.arena
    const stack = [root]
    while (stack.length > 0) {
      const i = stack.pop()!
      for (const ref of [a.left[i]!, a.right[i]!]) {
        if (ref >= 0) stack.push(ref)
        else if (isLeafRef(ref)) a.freeLeaf(leafOf(ref))
      }
      a.freeNode(i)
    }
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private pushOp(op: number, src: number, dst: number): void {
    const t = this.progLen
    if (3 * t + 3 > this.prog.length) this.prog = growI32(this.prog, 3 * t + 3, true)
    this.prog[3 * t] = op
    this.prog[3 * t + 1] = src
    this.prog[3 * t + 2] = dst
    this.progLen = t + 1
  }

  private endSeg(start: number): void {
    this.inSeg = false
    if (this.progLen > start) this.pushSeg(start, this.progLen)
  }

  private pushSeg(start: number, end: number): void {
    const s = this.segCount
    if (2 * s + 2 > this.segs.length) this.segs = growI32(this.segs, 2 * s + 2, true)
    this.segs[2 * s] = start
    this.segs[2 * s + 1] = end
    this.segCount = s + 1
  }

  /** false when the store keeps no rows: no row or stale record is prepared at all. */
  private keepRows = true

  private pushEmit(kind: number, idx: number, depth: number, keyRef: number): void {
    if (!this.keepRows) return
    const e = this.emitCount
    if (e === this.emitKind.length) {
      this.emitKind = growU8(this.emitKind, e + 1)
      this.emitIdx = growI32(this.emitIdx, e + 1)
      this.emitDepth = growI32(this.emitDepth, e + 1)
      this.emitKey = growI32(this.emitKey, e + 1)
    }
    this.emitKind[e] = kind
    this.emitIdx[e] = idx
    this.emitDepth[e] = depth
    this.emitKey[e] = keyRef
    this.emitCount = e + 1
  }

  private leafWords(): Int32Array {
    this.leaves32 = words(this.arena.leaves, this.leaves32)
    return this.leaves32
  }

  private addStale(depth: number, key32: Int32Array, keyWord: number, version: number): void {
    if (!this.keepRows) return
    const s = this.staleCount
    if (s === this.staleVer.length) {
      const paths = new Int32Array(2 * s * PATH_WORDS)
      paths.set(this.stalePaths)
      this.stalePaths = paths
      this.stalePathBytes = new Uint8Array(paths.buffer)
      this.stalePathLen = growU8(this.stalePathLen, s + 1)
      this.staleVer = growF64(this.staleVer, s + 1)
    }
    this.stalePathLen[s] = writePathSlot(this.stalePaths, s * PATH_WORDS, depth, key32, keyWord)
    this.staleVer[s] = version
    this.staleCount = s + 1
  }

  private serializeRows(): void {
    const n = this.emitCount
    const NW = NODE_SLOT >> 2
    if (this.rowPaths.length < n * PATH_WORDS) {
      this.rowPaths = new Int32Array(2 * n * PATH_WORDS)
      this.rowPathBytes = new Uint8Array(this.rowPaths.buffer)
      this.rowNodes = new Int32Array(2 * n * NW)
      this.rowNodeBytes = new Uint8Array(this.rowNodes.buffer)
    }
    this.rowPathLen = growU8(this.rowPathLen, n)
    const a = this.arena
    const rows = this.rowNodes
    const paths = this.rowPaths
    this.nodes32 = words(a.nodes, this.nodes32)
    const nodes32 = this.nodes32
    const leaves32 = this.leafWords()
    const bk32 = this.bk32
    for (let e = 0; e < n; e++) {
      const idx = this.emitIdx[e]!
      const depth = this.emitDepth[e]!
      const ro = e * NW
      if (this.emitKind[e] === EMIT_NODE) {
        this.rowPathLen[e] = writePathSlot(paths, e * PATH_WORDS, depth, bk32, this.emitKey[e]! * 8)
        rows[ro] = 1 << 24 // tag 0x01 at byte 3
        const s = idx * (NODE_STRIDE >> 2)
        for (let w = 0; w < 16; w++) rows[ro + 1 + w] = nodes32[s + w]!
      } else {
        const s = idx * (LEAF_STRIDE >> 2)
        this.rowPathLen[e] = writePathSlot(paths, e * PATH_WORDS, depth, leaves32, s)
        rows[ro] = 0
        for (let w = 0; w < 16; w++) rows[ro + 1 + w] = leaves32[s + w]!
      }
    }
    this.rowCount = n
  }
}
