import type { NodeStore, RowRef, StoredNode, StoredRoot, VersionWrite } from './node-store.js'

const ROW = 100 // 34 bytes path (zero padded) ‖ 65 bytes node ‖ 1 spare
const PATH_MAX = 34
const FREE = -1
const TOMB = -2

/**
 * NodeStore in memory with the same semantics as SQLite (rows by path and version, stale
 * records, exact pruning), laid out in typed arrays: rows in one slab, an open-addressing
 * table from path to its newest row, older versions chained behind it. Millions of rows cost
 * the garbage collector nothing, which a Map of small arrays did not manage.
 */
export class MemoryNodeStore implements NodeStore {
  private slab = new Uint8Array(1024 * ROW)
  private rowVersion = new Float64Array(1024)
  private rowNext = new Int32Array(1024)
  private rowCap = 1024
  private rowTop = 0
  private freeRows = new Int32Array(1024)
  private freeTop = 0
  private live = 0

  private table = new Int32Array(4096).fill(FREE)
  /** Path hash per table entry: most probes are settled without touching the row slab. */
  private tableHash = new Int32Array(4096)
  private lastHash = 0
  private tableUsed = 0 // live + tombstones

  // stale records (path, version that wrote the row, since), resolved only when pruning:
  // like the SQLite store, a batch appends them without looking anything up
  private stalePath = new Uint8Array(1024 * PATH_MAX)
  private staleVer = new Float64Array(1024)
  private staleSince = new Float64Array(1024)
  private staleTop = 0
  private staleHead = 0

  private readonly roots: StoredRoot[] = []
  private pruned = 0

  /**
   * Hash of a path from its depth, its first and its last 4 prefix bytes: keys are keccak
   * outputs, so those bits are uniform, and hashing 8 bytes instead of up to 34 per lookup is
   * measurable at ~200k row writes per batch. Paths sharing all three still compare in full.
   */
  private hashPath(path: Uint8Array, off: number, len: number): number {
    let h = Math.imul(((path[off]! << 8) | path[off + 1]!) + 1, 0x9e3779b1)
    const end = off + len
    const a = off + 2 + 4 < end ? off + 2 + 4 : end
    for (let i = off + 2; i < a; i++) h = Math.imul(h ^ path[i]!, 0x01000193)
    const b = end - 4 > a ? end - 4 : a
    for (let i = b; i < end; i++) h = Math.imul(h ^ path[i]!, 0x01000193)
    return h >>> 0
  }

  private samePath(row: number, path: Uint8Array, off: number, len: number): boolean {
    const s = row * ROW
    const slab = this.slab
    for (let i = 0; i < len; i++) if (slab[s + i] !== path[off + i]) return false
    // stored paths are zero padded: a longer stored path differs in its depth bytes already
    return true
  }

  /** Table index holding `path`, or -1. */
  private findSlot(path: Uint8Array, off: number, len: number): number {
    const mask = this.table.length - 1
    const h = this.hashPath(path, off, len) | 0
    this.lastHash = h
    let i = h & mask
    for (;;) {
      const head = this.table[i]!
      if (head === FREE) return -1
      if (head !== TOMB && this.tableHash[i] === h && this.samePath(head, path, off, len)) return i
      i = (i + 1) & mask
    }
  }

  readNode(path: Uint8Array, version: number): StoredNode | undefined {
    const slot = this.findSlot(path, 0, path.length)
    if (slot < 0) return undefined
    let r = this.table[slot]!
    while (r >= 0) {
      const v = this.rowVersion[r]!
      if (v <= version) {
        const s = r * ROW + PATH_MAX
        return { version: v, node: this.slab.slice(s, s + 65) }
      }
      r = this.rowNext[r]!
    }
    return undefined
  }

  rootAtOrBelow(version: number): StoredRoot | undefined {
    const rs = this.roots
    let a = 0
    let b = rs.length
    while (a < b) {
      const m = (a + b) >> 1
      if (rs[m]!.version <= version) a = m + 1
      else b = m
    }
    return a > 0 ? rs[a - 1] : undefined
  }

  latestRoot(): StoredRoot | undefined {
    return this.roots[this.roots.length - 1]
  }

  prunedBelow(): number {
    return this.pruned
  }

  private allocRow(): number {
    if (this.freeTop > 0) return this.freeRows[--this.freeTop]!
    if (this.rowTop === this.rowCap) {
      const cap = this.rowCap * 2
      const slab = new Uint8Array(cap * ROW)
      slab.set(this.slab)
      this.slab = slab
      const ver = new Float64Array(cap)
      ver.set(this.rowVersion)
      this.rowVersion = ver
      const next = new Int32Array(cap)
      next.set(this.rowNext)
      this.rowNext = next
      this.rowCap = cap
    }
    return this.rowTop++
  }

  private growTable(): void {
    const old = this.table
    let size = 4096
    while (size < this.live * 3) size *= 2
    const table = new Int32Array(size).fill(FREE)
    const hashes = new Int32Array(size)
    const mask = size - 1
    let used = 0
    for (let i = 0; i < old.length; i++) {
      const head = old[i]!
      if (head < 0) continue
      const len = 2 + ((((this.slab[head * ROW]! << 8) | this.slab[head * ROW + 1]!) + 7) >> 3)
      const h = this.hashPath(this.slab, head * ROW, len) | 0
      let j = h & mask
      while (table[j] !== FREE) j = (j + 1) & mask
      table[j] = head
      hashes[j] = h
      used++
    }
    this.table = table
    this.tableHash = hashes
    this.tableUsed = used
  }

  private pushStale(path: Uint8Array, off: number, version: number, since: number): void {
    if (this.staleTop === this.staleVer.length) {
      // drop the consumed prefix before growing
      const live = this.staleTop - this.staleHead
      const cap = live * 2 > this.staleVer.length ? this.staleVer.length * 2 : this.staleVer.length
      const paths = new Uint8Array(cap * PATH_MAX)
      paths.set(this.stalePath.subarray(this.staleHead * PATH_MAX, this.staleTop * PATH_MAX))
      const ver = new Float64Array(cap)
      ver.set(this.staleVer.subarray(this.staleHead, this.staleTop))
      const since2 = new Float64Array(cap)
      since2.set(this.staleSince.subarray(this.staleHead, this.staleTop))
      this.stalePath = paths
      this.staleVer = ver
      this.staleSince = since2
      this.staleTop = live
      this.staleHead = 0
    }
    const o = this.staleTop * PATH_MAX
    const sp = this.stalePath
    const len = 2 + ((((path[off]! << 8) | path[off + 1]!) + 7) >> 3)
    for (let b = 0; b < PATH_MAX; b++) sp[o + b] = b < len ? path[off + b]! : 0
    this.staleVer[this.staleTop] = version
    this.staleSince[this.staleTop] = since
    this.staleTop++
  }

  writeVersion(w: VersionWrite): void {
    const v = w.version
    const staleBuf = w.stalePathBuf
    for (let i = 0; i < w.staleCount; i++)
      this.pushStale(staleBuf, i * PATH_MAX, w.staleVersion(i), v)
    const pathBuf = w.rowPathBuf
    const nodeBuf = w.rowNodeBuf
    for (let i = 0; i < w.rowCount; i++) {
      if ((this.tableUsed + 1) * 10 > this.table.length * 7) this.growTable()
      const po = i * PATH_MAX
      const len = 2 + ((((pathBuf[po]! << 8) | pathBuf[po + 1]!) + 7) >> 3)
      const r = this.allocRow()
      const s = r * ROW
      const slab = this.slab
      for (let b = 0; b < PATH_MAX; b++) slab[s + b] = pathBuf[po + b]!
      const no = i * 65
      for (let b = 0; b < 65; b++) slab[s + PATH_MAX + b] = nodeBuf[no + b]!
      this.rowVersion[r] = v
      const slot = this.findSlot(pathBuf, po, len)
      if (slot >= 0) {
        this.rowNext[r] = this.table[slot]!
        this.table[slot] = r
      } else {
        this.rowNext[r] = -1
        const mask = this.table.length - 1
        const h = this.lastHash
        let j = h & mask
        while (this.table[j]! >= 0) j = (j + 1) & mask
        if (this.table[j] === FREE) this.tableUsed++
        this.table[j] = r
        this.tableHash[j] = h
      }
      this.live++
    }
    this.roots.push({ version: v, root: w.root.slice(), leafCount: w.leafCount })
  }

  /** Delete the row (path, version) if present; true when it was. */
  private deleteRow(path: Uint8Array, off: number, len: number, want: number): boolean {
    const slot = this.findSlot(path, off, len)
    if (slot < 0) return false
    let prev = -1
    let r = this.table[slot]!
    while (r >= 0 && this.rowVersion[r] !== want) {
      prev = r
      r = this.rowNext[r]!
    }
    if (r < 0) return false
    const next = this.rowNext[r]!
    if (prev >= 0) this.rowNext[prev] = next
    else this.table[slot] = next >= 0 ? next : TOMB
    if (this.freeTop === this.freeRows.length) {
      const f = new Int32Array(this.freeRows.length * 2)
      f.set(this.freeRows)
      this.freeRows = f
    }
    this.freeRows[this.freeTop++] = r
    this.live--
    return true
  }

  prune(keepFrom: number): { nodesDeleted: number } {
    let deleted = 0
    while (this.staleHead < this.staleTop && this.staleSince[this.staleHead]! <= keepFrom) {
      const at = this.staleHead++
      const po = at * PATH_MAX
      const sp = this.stalePath
      const len = 2 + ((((sp[po]! << 8) | sp[po + 1]!) + 7) >> 3)
      if (this.deleteRow(sp, po, len, this.staleVer[at]!)) deleted++
    }
    const keep = this.rootAtOrBelow(keepFrom)
    if (keep) this.roots.splice(0, this.roots.indexOf(keep))
    this.pruned = Math.max(this.pruned, keepFrom)
    return { nodesDeleted: deleted }
  }

  rollback(version: number, rows: readonly RowRef[]): void {
    for (const r of rows) this.deleteRow(r.path, 0, r.path.length, r.version)
    // stale records are appended in version order
    while (this.staleTop > this.staleHead && this.staleSince[this.staleTop - 1]! > version)
      this.staleTop--
    while (this.roots.length > 0 && this.roots[this.roots.length - 1]!.version > version)
      this.roots.pop()
  }

  nodeCount(): number {
    return this.live
  }
}
