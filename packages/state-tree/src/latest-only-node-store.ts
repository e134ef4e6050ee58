import { VersionPrunedError } from './errors.js'
import type { NodeStore, RowRef, StoredNode, StoredRoot, VersionWrite } from './node-store.js'

/**
 * A NodeStore that keeps no node rows at all: only the latest version is provable (from the
 * tree's in-memory cache) and every older version reads as pruned. For processes that need
 * roots and current proofs but no history, such as the prover re-deriving batches from L1 or a
 * benchmark of the tree itself.
 */
export class LatestOnlyNodeStore implements NodeStore {
  readonly keepsRows = false
  private latest: StoredRoot | undefined

  readNode(_path: Uint8Array, _version: number): StoredNode | undefined {
    return undefined
  }

  rootAtOrBelow(version: number): StoredRoot | undefined {
    return this.latest && this.latest.version <= version ? this.latest : undefined
  }

  latestRoot(): StoredRoot | undefined {
    return this.latest
  }

  prunedBelow(): number {
    return this.latest?.version ?? 0
  }

  writeVersion(w: VersionWrite): void {
    this.latest = { version: w.version, root: w.root.slice(), leafCount: w.leafCount }
  }

  prune(_keepFrom: number): { nodesDeleted: number } {
    return { nodesDeleted: 0 }
  }

  rollback(version: number, _rows: readonly RowRef[]): void {
    const latest = this.latest?.version ?? 0
    // no history is kept: only "roll back" to the latest version itself
    if (version < latest) throw new VersionPrunedError(BigInt(version), BigInt(latest))
  }

  nodeCount(): number {
    return 0
  }
}
