import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { BlockHeader, Hex } from '@lanes/core'
import { openDatabase } from '@lanes/state-tree'
import type Database from 'better-sqlite3'

export type BatchStatus = 'verified' | 'mismatch' | 'finalizing' | 'finalized'

export type BatchRecord = {
  index: bigint
  l1TxHash: Hex
  l1Block: bigint
  parentStateRoot: Hex
  postStateRoot: Hex
  dataHash: Hex
  lastBlock: bigint
  status: BatchStatus
  error: string | null
  finalizeTx: Hex | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS prover_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prover_blocks (
  number INTEGER PRIMARY KEY, hash TEXT NOT NULL, header TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prover_batches (
  idx INTEGER PRIMARY KEY, l1_tx TEXT NOT NULL, l1_block INTEGER NOT NULL,
  parent_root TEXT NOT NULL, post_root TEXT NOT NULL, data_hash TEXT NOT NULL,
  last_block INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, finalize_tx TEXT);
`

const headerJson = (h: BlockHeader) =>
  JSON.stringify(h, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))
const parseHeader = (s: string): BlockHeader =>
  JSON.parse(s, (_, v) =>
    typeof v === 'string' && /^[0-9]+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  )

type BatchRow = {
  idx: number
  l1_tx: string
  l1_block: number
  parent_root: string
  post_root: string
  data_hash: string
  last_block: number
  status: string
  error: string | null
  finalize_tx: string | null
}

const toRecord = (r: BatchRow): BatchRecord => ({
  index: BigInt(r.idx),
  l1TxHash: r.l1_tx as Hex,
  l1Block: BigInt(r.l1_block),
  parentStateRoot: r.parent_root as Hex,
  postStateRoot: r.post_root as Hex,
  dataHash: r.data_hash as Hex,
  lastBlock: BigInt(r.last_block),
  status: r.status as BatchStatus,
  error: r.error,
  finalizeTx: r.finalize_tx as Hex | null,
})

/** The prover's own SQLite: its headers, batch verdicts and follower checkpoint (plus the tree). */
export class ProverStore {
  readonly db: Database.Database

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true })
    this.db = openDatabase(path.join(dataDir, 'prover.sqlite'))
    this.db.exec(SCHEMA)
  }

  close(): void {
    this.db.close()
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  getMeta(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM prover_meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined
    return r?.value
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO prover_meta (key, value) VALUES (?, ?)').run(key, value)
  }

  insertBlock(h: BlockHeader): void {
    this.db
      .prepare('INSERT INTO prover_blocks (number, hash, header) VALUES (?, ?, ?)')
      .run(Number(h.number), h.hash, headerJson(h))
  }

  head(): BlockHeader | undefined {
    const r = this.db
      .prepare('SELECT header FROM prover_blocks ORDER BY number DESC LIMIT 1')
      .get() as { header: string } | undefined
    return r ? parseHeader(r.header) : undefined
  }

  blockHash(n: bigint): Hex | undefined {
    const r = this.db.prepare('SELECT hash FROM prover_blocks WHERE number = ?').get(Number(n)) as
      | { hash: string }
      | undefined
    return r?.hash as Hex | undefined
  }

  /** Forget the blocks after `n` and the batch verdicts from `index` on (a rewind). */
  forgetAfter(n: bigint, index: bigint): void {
    this.db.prepare('DELETE FROM prover_blocks WHERE number > ?').run(Number(n))
    this.db.prepare('DELETE FROM prover_batches WHERE idx >= ?').run(Number(index))
  }

  putBatch(b: BatchRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO prover_batches
         (idx, l1_tx, l1_block, parent_root, post_root, data_hash, last_block, status, error, finalize_tx)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        Number(b.index),
        b.l1TxHash,
        Number(b.l1Block),
        b.parentStateRoot,
        b.postStateRoot,
        b.dataHash,
        Number(b.lastBlock),
        b.status,
        b.error,
        b.finalizeTx,
      )
  }

  batch(index: bigint): BatchRecord | undefined {
    const r = this.db.prepare('SELECT * FROM prover_batches WHERE idx = ?').get(Number(index)) as
      | BatchRow
      | undefined
    return r ? toRecord(r) : undefined
  }

  batches(): BatchRecord[] {
    return (this.db.prepare('SELECT * FROM prover_batches ORDER BY idx').all() as BatchRow[]).map(
      toRecord,
    )
  }

  setStatus(index: bigint, status: BatchStatus, finalizeTx: Hex | null = null): void {
    this.db
      .prepare(
        'UPDATE prover_batches SET status = ?, finalize_tx = COALESCE(?, finalize_tx) WHERE idx = ?',
      )
      .run(status, finalizeTx, Number(index))
  }
}
