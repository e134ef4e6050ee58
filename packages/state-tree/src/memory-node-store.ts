import type { NodeStore, StoredNode, StoredRoot, VersionWrite } from './node-store.js'

interface PathEntry {
  versions: number[]
  nodes: Uint8Array[]
}

function pathKey(path: Uint8Array): string {
  return String.fromCharCode.apply(null, path as unknown as number[])
}

/** NodeStore in JS maps: versions stay provable and pruning frees memory, like SQLite. */
export class MemoryNodeStore implements NodeStore {
  private readonly nodes = new Map<string, PathEntry>()
  private readonly roots: StoredRoot[] = []
  private readonly stale = new Map<number, { paths: string[]; versions: number[] }>()
  private pruned = 0
  private rows = 0

  readNode(path: Uint8Array, version: number): StoredNode | undefined {
    const e = this.nodes.get(pathKey(path))
    if (!e) return undefined
    const vs = e.versions
    for (let i = vs.length - 1; i >= 0; i--)
      if (vs[i]! <= version) return { version: vs[i]!, node: e.nodes[i]! }
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

  writeVersion(w: VersionWrite): void {
    const v = w.version
    for (let i = 0; i < w.rowCount; i++) {
      const k = pathKey(w.rowPath(i))
      let e = this.nodes.get(k)
      if (!e) {
        e = { versions: [], nodes: [] }
        this.nodes.set(k, e)
      }
      e.versions.push(v)
      e.nodes.push(w.rowNode(i).slice())
    }
    this.rows += w.rowCount
    if (w.staleCount > 0) {
      const paths: string[] = new Array(w.staleCount)
      const versions: number[] = new Array(w.staleCount)
      for (let i = 0; i < w.staleCount; i++) {
        paths[i] = pathKey(w.stalePath(i))
        versions[i] = w.staleVersion(i)
      }
      this.stale.set(v, { paths, versions })
    }
    this.roots.push({ version: v, root: w.root.slice(), leafCount: w.leafCount })
  }

  prune(keepFrom: number): { nodesDeleted: number } {
    let deleted = 0
    for (const [since, s] of this.stale) {
      if (since > keepFrom) continue
      for (let i = 0; i < s.paths.length; i++) {
        const e = this.nodes.get(s.paths[i]!)
        if (!e) continue
        const at = e.versions.indexOf(s.versions[i]!)
        if (at < 0) continue
        e.versions.splice(at, 1)
        e.nodes.splice(at, 1)
        deleted++
        if (e.versions.length === 0) this.nodes.delete(s.paths[i]!)
      }
      this.stale.delete(since)
    }
    const keep = this.rootAtOrBelow(keepFrom)
    if (keep) {
      const at = this.roots.indexOf(keep)
      this.roots.splice(0, at)
    }
    this.pruned = Math.max(this.pruned, keepFrom)
    this.rows -= deleted
    return { nodesDeleted: deleted }
  }

  nodeCount(): number {
    return this.rows
  }
}
