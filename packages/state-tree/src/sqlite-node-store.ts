import type Database from 'better-sqlite3'
import type { NodeStore, RowRef, StoredNode, StoredRoot, VersionWrite } from './node-store.js'

type Db = Database.Database

const SCHEMA = `
CREATE TABLE IF NOT EXISTS smt_node (
  path BLOB NOT NULL, version INTEGER NOT NULL, node BLOB NOT NULL,
  PRIMARY KEY (path, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS smt_node_recent (
  path BLOB NOT NULL, version INTEGER NOT NULL, node BLOB NOT NULL,
  PRIMARY KEY (path, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS smt_stale (
  since INTEGER NOT NULL, path BLOB NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (since, path, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS smt_root (
  version INTEGER PRIMARY KEY, root BLOB NOT NULL, leaves INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS smt_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

/** Rows per multi-row INSERT: one statement step per 64 rows instead of per row. */
const CHUNK = 64
/** Default most rows in smt_node_recent before they move to smt_node (see the class comment). */
const RECENT_ROWS = 32_768

export interface SqliteNodeStoreOptions {
  /** Most rows kept in smt_node_recent before one move into smt_node (default 32,768). */
  recentRows?: number
}

function view(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

/**
 * NodeStore on a better-sqlite3 connection the caller opened. writeVersion and prune run in
 * a transaction of their own only when none is open, so they join the caller's transaction
 * (the sequencer commits a block and its tree nodes together).
 *
 * Rows are keyed by (path, version), so a version's rows land next to older versions of
 * their paths: once a path has history, every row dirties its own page, and SQLite writes
 * each dirty page (4 KiB) to the WAL at commit. New rows therefore go to a small table,
 * smt_node_recent, whose pages each take many rows; when it holds `recentRows` rows they
 * move to smt_node in one sorted INSERT, which dirties each smt_node page once for all the
 * versions moved. Reads look in smt_node_recent first.
 */
export class SqliteNodeStore implements NodeStore {
  private readonly db: Db
  private readonly qRead: Database.Statement<[Buffer, number], { version: number; node: Buffer }>
  private readonly qRoot: Database.Statement<
    [number],
    { version: number; root: Buffer; leaves: number }
  >
  private readonly qLatest: Database.Statement<
    [],
    { version: number; root: Buffer; leaves: number }
  >
  private readonly qReadRecent: Database.Statement<
    [Buffer, number],
    { version: number; node: Buffer }
  >
  private readonly qCountRecent: Database.Statement<[], { n: number }>
  private readonly qMoveRecent: Database.Statement<[]>
  private readonly qClearRecent: Database.Statement<[]>
  private readonly qDelStaleRecent: Database.Statement<[number]>
  private readonly qDelRecent: Database.Statement<[Buffer, number]>
  private readonly recentLimit: number
  /** rows in smt_node_recent (an estimate after a rolled-back transaction: only timing) */
  private recentCount: number
  /** row inserts into [smt_node_recent, smt_node] */
  private readonly qInsNode: Database.Statement<[Buffer, number, Buffer]>[]
  private readonly qInsStale: Database.Statement<[number, Buffer, number]>
  private readonly qInsNodes: Database.Statement<unknown[]>[]
  private readonly qInsStales: Database.Statement<unknown[]>
  private readonly args: unknown[] = new Array(3 * CHUNK)
  private readonly qInsRoot: Database.Statement<[number, Buffer, number]>
  private readonly qPruned: Database.Statement<[], { value: number }>
  private readonly qSetPruned: Database.Statement<[number]>
  private readonly qDelStaleNodes: Database.Statement<[number]>
  private readonly qDelNode: Database.Statement<[Buffer, number]>
  private readonly qDelStale: Database.Statement<[number]>
  private readonly qDelRoots: Database.Statement<[number]>
  private readonly qCount: Database.Statement<[], { n: number }>
  private readonly qDelStaleAbove: Database.Statement<[number]>
  private readonly qDelRootsAbove: Database.Statement<[number]>
  private readonly rollbackTx: (version: number, rows: readonly RowRef[]) => void
  private readonly writeTx: (w: VersionWrite) => void
  private readonly pruneTx: (keepFrom: number) => number

  constructor(db: Db, options: SqliteNodeStoreOptions = {}) {
    this.db = db
    db.exec(SCHEMA)
    this.qRead = db.prepare(
      'SELECT version, node FROM smt_node WHERE path = ? AND version <= ? ORDER BY version DESC LIMIT 1',
    )
    this.qReadRecent = db.prepare(
      'SELECT version, node FROM smt_node_recent WHERE path = ? AND version <= ? ORDER BY version DESC LIMIT 1',
    )
    this.qCountRecent = db.prepare('SELECT count(*) AS n FROM smt_node_recent')
    this.qMoveRecent = db.prepare(
      'INSERT INTO smt_node (path, version, node) SELECT path, version, node FROM smt_node_recent ORDER BY path, version',
    )
    this.qClearRecent = db.prepare('DELETE FROM smt_node_recent')
    this.qDelStaleRecent = db.prepare(
      'DELETE FROM smt_node_recent WHERE (path, version) IN (SELECT path, version FROM smt_stale WHERE since <= ?)',
    )
    this.qDelRecent = db.prepare('DELETE FROM smt_node_recent WHERE path = ? AND version = ?')
    this.recentLimit = options.recentRows ?? RECENT_ROWS
    this.recentCount = this.qCountRecent.get()?.n ?? 0
    this.qRoot = db.prepare(
      'SELECT version, root, leaves FROM smt_root WHERE version <= ? ORDER BY version DESC LIMIT 1',
    )
    this.qLatest = db.prepare(
      'SELECT version, root, leaves FROM smt_root ORDER BY version DESC LIMIT 1',
    )
    const values = (n: number) => Array.from({ length: n }, () => '(?, ?, ?)').join(', ')
    const tables = ['smt_node_recent', 'smt_node']
    this.qInsNode = tables.map((t) =>
      db.prepare(`INSERT INTO ${t} (path, version, node) VALUES (?, ?, ?)`),
    )
    this.qInsStale = db.prepare('INSERT INTO smt_stale (since, path, version) VALUES (?, ?, ?)')
    this.qInsNodes = tables.map((t) =>
      db.prepare(`INSERT INTO ${t} (path, version, node) VALUES ${values(CHUNK)}`),
    )
    this.qInsStales = db.prepare(
      `INSERT INTO smt_stale (since, path, version) VALUES ${values(CHUNK)}`,
    )
    this.qInsRoot = db.prepare('INSERT INTO smt_root (version, root, leaves) VALUES (?, ?, ?)')
    this.qPruned = db.prepare("SELECT value FROM smt_meta WHERE name = 'pruned_below'")
    this.qSetPruned = db.prepare(
      "INSERT INTO smt_meta (name, value) VALUES ('pruned_below', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
    )
    // one statement: the join runs inside SQLite instead of one DELETE call per stale row
    this.qDelStaleNodes = db.prepare(
      'DELETE FROM smt_node WHERE (path, version) IN (SELECT path, version FROM smt_stale WHERE since <= ?)',
    )
    this.qDelNode = db.prepare('DELETE FROM smt_node WHERE path = ? AND version = ?')
    this.qDelStale = db.prepare('DELETE FROM smt_stale WHERE since <= ?')
    this.qDelRoots = db.prepare('DELETE FROM smt_root WHERE version < ?')
    this.qCount = db.prepare('SELECT count(*) AS n FROM smt_node')
    this.qDelStaleAbove = db.prepare('DELETE FROM smt_stale WHERE since > ?')
    this.qDelRootsAbove = db.prepare('DELETE FROM smt_root WHERE version > ?')
    this.rollbackTx = db.transaction((version: number, rows: readonly RowRef[]) =>
      this.rollbackRows(version, rows),
    )
    this.writeTx = db.transaction((w: VersionWrite) => this.writeRows(w))
    this.pruneTx = db.transaction((keepFrom: number) => this.pruneRows(keepFrom))
  }

  readNode(path: Uint8Array, version: number): StoredNode | undefined {
    // every row in smt_node_recent is newer than every row in smt_node (rows move all at once,
    // versions only grow), so a row found there is the answer
    const p = view(path)
    const r = this.qReadRecent.get(p, version) ?? this.qRead.get(p, version)
    return r ? { version: r.version, node: r.node } : undefined
  }

  rootAtOrBelow(version: number): StoredRoot | undefined {
    const r = this.qRoot.get(version)
    return r ? { version: r.version, root: r.root, leafCount: r.leaves } : undefined
  }

  latestRoot(): StoredRoot | undefined {
    const r = this.qLatest.get()
    return r ? { version: r.version, root: r.root, leafCount: r.leaves } : undefined
  }

  prunedBelow(): number {
    return this.qPruned.get()?.value ?? 0
  }

  writeVersion(w: VersionWrite): void {
    if (this.db.inTransaction) this.writeRows(w)
    else this.writeTx(w)
  }

  private writeRows(w: VersionWrite): void {
    const v = w.version
    // a version that alone fills the recent table goes straight to smt_node (its rows would
    // only be copied twice); what is in the recent table moves first, as it is older. That
    // move runs whatever recentCount says: after a rolled-back transaction the count can be
    // low, and rows left behind would shadow the newer ones written to smt_node.
    const direct = w.rowCount >= this.recentLimit
    if (direct || (this.recentCount > 0 && this.recentCount + w.rowCount > this.recentLimit)) {
      this.qMoveRecent.run()
      this.qClearRecent.run()
      this.recentCount = 0
    }
    if (!direct) this.recentCount += w.rowCount
    const insNodes = this.qInsNodes[direct ? 1 : 0]!
    const insNode = this.qInsNode[direct ? 1 : 0]!
    const args = this.args
    let i = 0
    for (; i + CHUNK <= w.rowCount; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        args[3 * j] = view(w.rowPath(i + j))
        args[3 * j + 1] = v
        args[3 * j + 2] = view(w.rowNode(i + j))
      }
      insNodes.run(args)
    }
    for (; i < w.rowCount; i++) insNode.run(view(w.rowPath(i)), v, view(w.rowNode(i)))
    i = 0
    for (; i + CHUNK <= w.staleCount; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        args[3 * j] = v
        args[3 * j + 1] = view(w.stalePath(i + j))
        args[3 * j + 2] = w.staleVersion(i + j)
      }
      this.qInsStales.run(args)
    }
    for (; i < w.staleCount; i++) this.qInsStale.run(v, view(w.stalePath(i)), w.staleVersion(i))
    this.qInsRoot.run(v, view(w.root), w.leafCount)
    args.fill(undefined) // no buffers kept alive past the write
  }

  prune(keepFrom: number): { nodesDeleted: number } {
    const n = this.db.inTransaction ? this.pruneRows(keepFrom) : this.pruneTx(keepFrom)
    return { nodesDeleted: n }
  }

  private pruneRows(keepFrom: number): number {
    const n = this.qDelStaleNodes.run(keepFrom).changes + this.qDelStaleRecent.run(keepFrom).changes
    this.qDelStale.run(keepFrom)
    const keep = this.rootAtOrBelow(keepFrom)
    if (keep) this.qDelRoots.run(keep.version)
    this.qSetPruned.run(keepFrom)
    return n
  }

  rollback(version: number, rows: readonly RowRef[]): void {
    if (this.db.inTransaction) this.rollbackRows(version, rows)
    else this.rollbackTx(version, rows)
  }

  private rollbackRows(version: number, rows: readonly RowRef[]): void {
    for (const r of rows) {
      const p = view(r.path)
      this.qDelNode.run(p, r.version)
      this.recentCount -= this.qDelRecent.run(p, r.version).changes
    }
    this.qDelStaleAbove.run(version)
    this.qDelRootsAbove.run(version)
  }

  nodeCount(): number {
    return (this.qCount.get()?.n ?? 0) + (this.qCountRecent.get()?.n ?? 0)
  }
}
