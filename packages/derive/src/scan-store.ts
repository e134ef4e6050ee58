import { gunzipSync, gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import type { Hex } from 'viem'
import {
  type BatchDocument,
  type BatchSummary,
  batchDocument,
  batchSummary,
  jsonReplacer,
} from './batch-view.js'
import {
  checkpointFromJson,
  checkpointToJson,
  type FollowerCheckpoint,
  type FollowerEvent,
} from './follower.js'

/** What a cache file belongs to; any difference and its contents are dropped. */
export type ScanIdentity = {
  /** hash of L1 block 0: tells two anvil runs (same Rollup address) apart */
  l1GenesisHash: Hex
  rollup: string
  startBlock: bigint
  chainId: bigint
}

const SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- every commit read, kept after a revert (reverted_at) so an L1 reorg can bring it back
CREATE TABLE IF NOT EXISTS batch(idx INTEGER NOT NULL, l1_block INTEGER NOT NULL,
  log_index INTEGER NOT NULL, reverted_at INTEGER, summary TEXT NOT NULL, doc BLOB NOT NULL,
  PRIMARY KEY (idx, l1_block, log_index)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tx(hash TEXT NOT NULL, idx INTEGER NOT NULL, l1_block INTEGER NOT NULL,
  log_index INTEGER NOT NULL, l2_block TEXT NOT NULL,
  PRIMARY KEY (hash, idx, l1_block, log_index)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS invalid(idx INTEGER NOT NULL, l1_block INTEGER NOT NULL,
  reverted_at INTEGER, reason TEXT NOT NULL, PRIMARY KEY (idx, l1_block)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS finalized(idx INTEGER PRIMARY KEY, l1_block INTEGER NOT NULL);
`

export type TxLocation = { batch: BatchSummary; l2Block: string; finalized: boolean }

/**
 * What a scan of the Rollup's history has read from L1, in SQLite: a file for the CLI's cache
 * (the next run resumes from the stored follower checkpoint instead of re-deriving from the
 * Rollup's deployment) or ':memory:'. Events are applied per follower step in one transaction
 * with the checkpoint, reverts and L1 reorgs included, so the file always matches a prefix of
 * L1. Applying the same events twice gives the same rows (two runs may share a file).
 */
export class ScanStore {
  readonly #db: Database.Database

  constructor(file: string, identity: ScanIdentity) {
    this.#db = new Database(file, { timeout: 30_000 })
    this.#db.defaultSafeIntegers(true)
    if (file !== ':memory:') this.#db.pragma('journal_mode = WAL')
    this.#db.exec(SCHEMA)
    const id = JSON.stringify({ v: SCHEMA_VERSION, ...identity }, jsonReplacer)
    const stored = this.#meta('identity')
    if (stored !== id) {
      this.#db.transaction(() => {
        for (const t of ['batch', 'tx', 'invalid', 'finalized', 'meta'])
          this.#db.exec(`DELETE FROM ${t}`)
        this.#setMeta('identity', id)
      })()
    }
  }

  close(): void {
    this.#db.close()
  }

  #meta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined
    return row?.value
  }

  #setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value)
  }

  /** Where the last scan stopped, if any. */
  checkpoint(): FollowerCheckpoint | undefined {
    const raw = this.#meta('checkpoint')
    return raw ? checkpointFromJson(raw) : undefined
  }

  /** One follower step: its events in order, then its checkpoint, atomically. */
  apply(events: readonly FollowerEvent[], checkpoint: FollowerCheckpoint): void {
    const db = this.#db
    db.transaction(() => {
      for (const e of events) {
        if (e.type === 'batch') {
          const b = e.batch
          const key = [b.index, b.l1.l1BlockNumber, b.l1.logIndex] as const
          this.#supersede(b.index, b.l1.l1BlockNumber)
          db.prepare(
            'INSERT OR REPLACE INTO batch(idx, l1_block, log_index, reverted_at, summary, doc) VALUES (?, ?, ?, NULL, ?, ?)',
          ).run(...key, JSON.stringify(batchSummary(b)), gzipSync(batchDocument(b)))
          const insertTx = db.prepare(
            'INSERT OR REPLACE INTO tx(hash, idx, l1_block, log_index, l2_block) VALUES (?, ?, ?, ?, ?)',
          )
          for (const blk of b.blocks) {
            const n = blk.number.toString()
            for (const t of blk.txs) insertTx.run(t.hash.toLowerCase(), ...key, n)
            for (const d of blk.deposits) insertTx.run(d.hash.toLowerCase(), ...key, n)
          }
        } else if (e.type === 'invalid') {
          this.#supersede(e.batchIndex, e.l1Block)
          db.prepare(
            'INSERT OR REPLACE INTO invalid(idx, l1_block, reverted_at, reason) VALUES (?, ?, NULL, ?)',
          ).run(e.batchIndex, e.l1Block, e.error.shortMessage)
        } else if (e.type === 'reverted') {
          for (const t of ['batch', 'invalid'])
            db.prepare(
              `UPDATE ${t} SET reverted_at = ? WHERE idx >= ? AND reverted_at IS NULL`,
            ).run(e.l1Block, e.fromIndex)
        } else if (e.type === 'finalized') {
          db.prepare('INSERT OR REPLACE INTO finalized(idx, l1_block) VALUES (?, ?)').run(
            e.batchIndex,
            e.l1Block,
          )
        } else {
          // an L1 reorg: forget what the lost blocks did, undo the reverts they made
          for (const t of ['batch', 'tx', 'invalid', 'finalized'])
            db.prepare(`DELETE FROM ${t} WHERE l1_block > ?`).run(e.l1Block)
          for (const t of ['batch', 'invalid'])
            db.prepare(`UPDATE ${t} SET reverted_at = NULL WHERE reverted_at > ?`).run(e.l1Block)
        }
      }
      // a run sharing the file may have got further: never move the checkpoint back
      const stored = this.checkpoint()
      if (!stored || checkpoint.nextL1Block >= stored.nextL1Block || events.some(isRewind))
        this.#setMeta('checkpoint', checkpointToJson(checkpoint))
    })()
  }

  /** A new commit at `index` replaces the current one (valid or invalid). */
  #supersede(index: bigint, l1Block: bigint): void {
    for (const t of ['batch', 'invalid'])
      this.#db
        .prepare(`UPDATE ${t} SET reverted_at = ? WHERE idx = ? AND reverted_at IS NULL`)
        .run(l1Block, index)
  }

  /** Current batches with from ≤ index ≤ to, in index order. */
  batches(from = 0n, to?: bigint): Array<BatchSummary & { finalized: boolean }> {
    const rows = this.#db
      .prepare(
        `SELECT b.summary AS summary, f.idx IS NOT NULL AS fin FROM batch b
         LEFT JOIN finalized f ON f.idx = b.idx
         WHERE b.reverted_at IS NULL AND b.idx >= ? AND b.idx <= ? ORDER BY b.idx`,
      )
      .all(from, to ?? 2n ** 63n - 1n) as Array<{ summary: string; fin: bigint }>
    return rows.map((r) => ({
      ...(JSON.parse(r.summary) as BatchSummary),
      finalized: r.fin === 1n,
    }))
  }

  /** Current invalid commits, in index order. */
  invalid(): Array<{ index: string; reason: string }> {
    const rows = this.#db
      .prepare('SELECT idx, reason FROM invalid WHERE reverted_at IS NULL ORDER BY idx')
      .all() as Array<{ idx: bigint; reason: string }>
    return rows.map((r) => ({ index: r.idx.toString(), reason: r.reason }))
  }

  /** The current batch at `index`, the reason it is invalid, or undefined if not committed. */
  batch(index: bigint): { doc: BatchDocument } | { invalid: string } | undefined {
    const b = this.#db
      .prepare('SELECT doc FROM batch WHERE idx = ? AND reverted_at IS NULL')
      .get(index) as { doc: Buffer } | undefined
    if (b) return { doc: JSON.parse(gunzipSync(b.doc).toString('utf8')) as BatchDocument }
    const i = this.#db
      .prepare('SELECT reason FROM invalid WHERE idx = ? AND reverted_at IS NULL')
      .get(index) as { reason: string } | undefined
    return i ? { invalid: i.reason } : undefined
  }

  /** The current batch holding an L2 tx or deposit. */
  findTx(hash: Hex): TxLocation | undefined {
    const r = this.#db
      .prepare(
        `SELECT b.summary AS summary, t.l2_block AS l2Block, f.idx IS NOT NULL AS fin FROM tx t
         JOIN batch b ON b.idx = t.idx AND b.l1_block = t.l1_block AND b.log_index = t.log_index
         LEFT JOIN finalized f ON f.idx = t.idx
         WHERE t.hash = ? AND b.reverted_at IS NULL`,
      )
      .get(hash.toLowerCase()) as { summary: string; l2Block: string; fin: bigint } | undefined
    if (!r) return undefined
    return {
      batch: JSON.parse(r.summary) as BatchSummary,
      l2Block: r.l2Block,
      finalized: r.fin === 1n,
    }
  }
}

const isRewind = (e: FollowerEvent) => e.type === 'rewind'
