import type { NodeStore, RowRef, StoredNode, StoredRoot, VersionWrite } from './node-store.js'
import { PATH_SLOT, PATH_WORDS } from './path.js'

const NODE_WORDS = 17 // tag at byte 3 of word 0, node bytes in words 1..16 (engine NODE_SLOT)
const ROW_WORDS = PATH_WORDS + NODE_WORDS // 104 bytes: path slot ‖ node slot
const FREE = -1
const TOMB = -2

/**
 * NodeStore in memory with the same semantics as SQLite (rows by path and version, stale
 * records, exact pruning), laid out in typed arrays: rows in one int32 slab, an
 * open-addressing table from path to its newest row, older versions chained behind it.
 * Millions of rows cost the garbage collector nothing, which a Map of small arrays did not
 * manage. Paths and nodes are copied and compared as int32 words (path.ts PATH_SLOT), and
 * each table entry holds its row and the path's hash side by side, so a probe touches one
 * cache line of the table.
 */
export class MemoryNodeStore implements NodeStore {
  private slab = new Int32Array(1024 * ROW_WORDS)
  private rowVersion = new Float64Array(1024)
  private rowNext = new Int32Array(1024)
  private rowCap = 1024
  private rowTop = 0
  private freeRows = new Int32Array(1024)
  private freeTop = 0
  private live = 0

  /** Pairs (head row or FREE/TOMB, path hash). */
  private table = new Int32Array(2 * 4096).fill(FREE)
  private tableSize = 4096
  private lastHash = 0
  private tableUsed = 0 // live + tombstones

  // stale records (path, version that wrote the row, since), resolved only when pruning:
  // like the SQLite store, a batch appends them without looking anything up
  private stalePath = new Int32Array(1024 * PATH_WORDS)
  private staleVer = new Float64Array(1024)
  private staleSince = new Float64Array(1024)
  private staleTop = 0
  private staleHead = 0

  private readonly roots: StoredRoot[] = []
  private pruned = 0

  // a path given as bytes, moved into a word slot
  private readonly scratch32 = new Int32Array(PATH_WORDS)
  private readonly scratch = new Uint8Array(this.scratch32.buffer)

  private toSlot(path: Uint8Array): Int32Array {
    this.scratch32.fill(0)
    this.scratch.set(path.subarray(0, PATH_SLOT - 2), 2)
    return this.scratch32
  }

  private static hashPath(p: Int32Array, o: number): number {
    let h = 0x9e3779b1
    for (let w = 0; w < PATH_WORDS; w++) h = Math.imul(h ^ p[o + w]!, 0x01000193) ^ (h >>> 15)
    return h
  }

  private samePath(row: number, p: Int32Array, o: number): boolean {
    const s = row * ROW_WORDS
    const slab = this.slab
    for (let w = 0; w < PATH_WORDS; w++) if (slab[s + w] !== p[o + w]) return false
    return true
  }

  /** Table index holding the path in p[o .. o+9), or -1. */
  private findSlot(p: Int32Array, o: number): number {
    const mask = this.tableSize - 1
    const h = MemoryNodeStore.hashPath(p, o)
    this.lastHash = h
    const table = this.table
    let i = h & mask
    for (;;) {
      const head = table[2 * i]!
      if (head === FREE) return -1
      if (head !== TOMB && table[2 * i + 1] === h && this.samePath(head, p, o)) return i
      i = (i + 1) & mask
    }
  }

  readNode(path: Uint8Array, version: number): StoredNode | undefined {
    const slot = this.findSlot(this.toSlot(path), 0)
    if (slot < 0) return undefined
    let r = this.table[2 * slot]!
    while (r >= 0) {
      const v = this.rowVersion[r]!
      if (v <= version) {
        const s = (r * ROW_WORDS + PATH_WORDS) * 4 + 3
        return { version: v, node: new Uint8Array(this.slab.buffer).slice(s, s + 65) }
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
      const slab = new Int32Array(cap * ROW_WORDS)
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
    const oldSize = this.tableSize
    let size = 4096
    while (size < this.live * 3) size *= 2
    const table = new Int32Array(2 * size).fill(FREE)
    const mask = size - 1
    let used = 0
    for (let i = 0; i < oldSize; i++) {
      const head = old[2 * i]!
      if (head < 0) continue
      const h = old[2 * i + 1]!
      let j = h & mask
      while (table[2 * j] !== FREE) j = (j + 1) & mask
      table[2 * j] = head
      table[2 * j + 1] = h
      used++
    }
    this.table = table
    this.tableSize = size
    this.tableUsed = used
  }

  private pushStale(p: Int32Array, o: number, version: number, since: number): void {
    if (this.staleTop === this.staleVer.length) {
      // drop the consumed prefix before growing
      const live = this.staleTop - this.staleHead
      const cap = live * 2 > this.staleVer.length ? this.staleVer.length * 2 : this.staleVer.length
      const paths = new Int32Array(cap * PATH_WORDS)
      paths.set(this.stalePath.subarray(this.staleHead * PATH_WORDS, this.staleTop * PATH_WORDS))
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
    const sp = this.stalePath
    const d = this.staleTop * PATH_WORDS
    for (let w = 0; w < PATH_WORDS; w++) sp[d + w] = p[o + w]!
    this.staleVer[this.staleTop] = version
    this.staleSince[this.staleTop] = since
    this.staleTop++
  }

  writeVersion(wr: VersionWrite): void {
    const v = wr.version
    const staleBuf = wr.stalePathBuf
    for (let i = 0; i < wr.staleCount; i++)
      this.pushStale(staleBuf, i * PATH_WORDS, wr.staleVersion(i), v)
    const pathBuf = wr.rowPathBuf
    const nodeBuf = wr.rowNodeBuf
    for (let i = 0; i < wr.rowCount; i++) {
      if ((this.tableUsed + 1) * 10 > this.tableSize * 7) this.growTable()
      const po = i * PATH_WORDS
      const r = this.allocRow()
      const s = r * ROW_WORDS
      const slab = this.slab
      for (let w = 0; w < PATH_WORDS; w++) slab[s + w] = pathBuf[po + w]!
      const no = i * NODE_WORDS
      for (let w = 0; w < NODE_WORDS; w++) slab[s + PATH_WORDS + w] = nodeBuf[no + w]!
      this.rowVersion[r] = v
      const slot = this.findSlot(pathBuf, po)
      const table = this.table
      if (slot >= 0) {
        this.rowNext[r] = table[2 * slot]!
        table[2 * slot] = r
      } else {
        this.rowNext[r] = -1
        const mask = this.tableSize - 1
        const h = this.lastHash
        let j = h & mask
        while (table[2 * j]! >= 0) j = (j + 1) & mask
        if (table[2 * j] === FREE) this.tableUsed++
        table[2 * j] = r
        table[2 * j + 1] = h
      }
      this.live++
    }
    this.roots.push({ version: v, root: wr.root.slice(), leafCount: wr.leafCount })
  }

  /** Delete the row (path in p[o..], version) if present; true when it was. */
  private deleteRow(p: Int32Array, o: number, want: number): boolean {
    const slot = this.findSlot(p, o)
    if (slot < 0) return false
    let prev = -1
    let r = this.table[2 * slot]!
    while (r >= 0 && this.rowVersion[r] !== want) {
      prev = r
      r = this.rowNext[r]!
    }
    if (r < 0) return false
    const next = this.rowNext[r]!
    if (prev >= 0) this.rowNext[prev] = next
    else this.table[2 * slot] = next >= 0 ? next : TOMB
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
      if (this.deleteRow(this.stalePath, at * PATH_WORDS, this.staleVer[at]!)) deleted++
    }
    const keep = this.rootAtOrBelow(keepFrom)
    if (keep) this.roots.splice(0, this.roots.indexOf(keep))
    this.pruned = Math.max(this.pruned, keepFrom)
    return { nodesDeleted: deleted }
  }

  rollback(version: number, rows: readonly RowRef[]): void {
    for (const r of rows) this.deleteRow(this.toSlot(r.path), 0, r.version)
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
