/**
 * Persistence of tree nodes by (path, version), README section 7. Versions are block numbers
 * as JS numbers (safe integers); the tree converts from and to bigint at its API.
 */
export interface StoredNode {
  /** The version that wrote this row. */
  version: number
  /** 65 bytes: 0x00 ‖ key ‖ value (leaf) or 0x01 ‖ left ‖ right (internal). */
  node: Uint8Array
}

export interface StoredRoot {
  version: number
  root: Uint8Array
  leafCount: number
}

/** Everything one applied version writes, in flat buffers to keep allocation low. */
export interface VersionWrite {
  version: number
  root: Uint8Array
  leafCount: number
  /** New rows: paths[i] (path bytes) and nodes[i] (65 bytes). */
  rowCount: number
  rowPath(i: number): Uint8Array
  rowNode(i: number): Uint8Array
  /**
   * The same rows packed as int32 words (little-endian bytes): path i in the 36-byte slot at
   * word i*9 (bytes +2 ..; zero padded, path.ts PATH_SLOT), node i in the 68-byte slot at
   * word i*17 (tag at byte +3, node bytes from +4).
   */
  readonly rowPathBuf: Int32Array
  readonly rowNodeBuf: Int32Array
  /** Rows made stale by this version: (path, version that wrote the row). */
  staleCount: number
  stalePath(i: number): Uint8Array
  /** The same paths packed in 36-byte zero-padded slots, as rowPathBuf. */
  readonly stalePathBuf: Int32Array
  staleVersion(i: number): number
}

/** A stored row named by its path and the version that wrote it. */
export interface RowRef {
  path: Uint8Array
  version: number
}

export interface NodeStore {
  /** false: the store ignores node rows and stale records, so the tree skips preparing them. */
  readonly keepsRows?: boolean
  /** The row at `path` with the greatest version ≤ `version`. */
  readNode(path: Uint8Array, version: number): StoredNode | undefined
  /** The root entry with the greatest version ≤ `version`. */
  rootAtOrBelow(version: number): StoredRoot | undefined
  latestRoot(): StoredRoot | undefined
  /** Versions below this were pruned (0 when nothing was). */
  prunedBelow(): number
  /** Persist one version atomically (inside the caller's transaction when one is open). */
  writeVersion(write: VersionWrite): void
  /** Delete every row no version ≥ keepFrom reaches, and roots below keepFrom's root. */
  prune(keepFrom: number): { nodesDeleted: number }
  /**
   * Undo every version above `version` (inside the caller's transaction when one is open):
   * delete `rows` (the tree lists every row written above it), the stale records made above
   * it and the roots above it.
   */
  rollback(version: number, rows: readonly RowRef[]): void
  /** Rows currently stored (for tests and the benchmark). */
  nodeCount(): number
}
