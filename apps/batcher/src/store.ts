import type { Hex } from '@lanes/core'
import Database from 'better-sqlite3'
import type { DaMode } from './decide/da.js'
import type { Fees } from './decide/fees.js'

export type BatchStatus = 'planned' | 'sent' | 'confirmed' | 'failed'

export type BatchRecord = {
  batchIndex: bigint
  firstBlock: bigint
  lastBlock: bigint
  parentRoot: Hex
  postRoot: Hex
  depositCursorStart: bigint
  depositCursorEnd: bigint
  l1OriginFirst: bigint
  l1OriginLast: bigint
  txCount: number
  rawBytes: number
  /** when the first block of the batch was seen sealed (for posting lag) */
  firstSeenMs: number
  /** encoded payload, present once compressed */
  payload: Uint8Array | null
  /** KZG commitments and proofs of the payload's blobs, computed off the main thread */
  kzg: BlobKzg | null
  daMode: DaMode | null
  blobCount: number | null
  nonce: number | null
  status: BatchStatus
  /** the attempt that got mined, with its L1 block */
  minedTxHash: Hex | null
  minedBlock: bigint | null
  l1GasUsed: bigint | null
  l1FeeWei: bigint | null
  createdAtMs: number
  confirmedAtMs: number | null
  error: string | null
}

export type BlobKzg = { commitments: Hex[]; proofs: Hex[] }

export type AttemptRecord = {
  txHash: Hex
  batchIndex: bigint
  nonce: number
  daMode: DaMode
  fees: Fees
  raw: Hex
  sentAtMs: number
  sentAtL1Block: bigint
}

type Row = Record<string, unknown>
const big = (v: unknown): bigint => BigInt(v as number | bigint | string)
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : big(v))

/**
 * The batcher's own truth next to L1: every batch, every tx attempt, and the
 * one persisted nonce counter. WAL with synchronous=FULL: a row written before
 * a tx is sent survives kill -9 and power loss.
 */
export class BatchStore {
  readonly db: Database.Database

  constructor(path: string) {
    this.db = new Database(path)
    this.db.defaultSafeIntegers(true)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        batch_index INTEGER PRIMARY KEY,
        first_block INTEGER NOT NULL, last_block INTEGER NOT NULL,
        parent_root TEXT NOT NULL, post_root TEXT NOT NULL,
        deposit_cursor_start INTEGER NOT NULL, deposit_cursor_end INTEGER NOT NULL,
        l1_origin_first INTEGER NOT NULL, l1_origin_last INTEGER NOT NULL,
        tx_count INTEGER NOT NULL, raw_bytes INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,
        payload BLOB, kzg TEXT, da_mode TEXT, blob_count INTEGER, nonce INTEGER UNIQUE,
        status TEXT NOT NULL,
        mined_tx_hash TEXT, mined_block INTEGER, l1_gas_used TEXT, l1_fee_wei TEXT,
        created_at_ms INTEGER NOT NULL, confirmed_at_ms INTEGER, error TEXT
      );
      CREATE TABLE IF NOT EXISTS attempts (
        tx_hash TEXT PRIMARY KEY,
        batch_index INTEGER NOT NULL REFERENCES batches(batch_index),
        nonce INTEGER NOT NULL, da_mode TEXT NOT NULL,
        max_fee TEXT NOT NULL, max_tip TEXT NOT NULL, max_blob_fee TEXT,
        raw TEXT NOT NULL, sent_at_ms INTEGER NOT NULL, sent_at_l1_block INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS attempts_by_batch ON attempts(batch_index, sent_at_ms);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- records dropped after L1 rejected or rolled them back, kept for the operator
      CREATE TABLE IF NOT EXISTS dropped_batches AS SELECT * FROM batches WHERE 0;
      CREATE TABLE IF NOT EXISTS dropped_attempts AS SELECT * FROM attempts WHERE 0;
    `)
  }

  close(): void {
    this.db.close()
  }

  getMeta(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined
    return r ? String(r.value) : undefined
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value)
  }

  private toBatch(r: Row): BatchRecord {
    return {
      batchIndex: big(r.batch_index),
      firstBlock: big(r.first_block),
      lastBlock: big(r.last_block),
      parentRoot: r.parent_root as Hex,
      postRoot: r.post_root as Hex,
      depositCursorStart: big(r.deposit_cursor_start),
      depositCursorEnd: big(r.deposit_cursor_end),
      l1OriginFirst: big(r.l1_origin_first),
      l1OriginLast: big(r.l1_origin_last),
      txCount: Number(r.tx_count),
      rawBytes: Number(r.raw_bytes),
      firstSeenMs: Number(r.first_seen_ms),
      payload: r.payload ? new Uint8Array(r.payload as Buffer) : null,
      kzg: r.kzg ? (JSON.parse(String(r.kzg)) as BlobKzg) : null,
      daMode: (r.da_mode as DaMode | null) ?? null,
      blobCount: r.blob_count === null ? null : Number(r.blob_count),
      nonce: r.nonce === null ? null : Number(r.nonce),
      status: r.status as BatchStatus,
      minedTxHash: (r.mined_tx_hash as Hex | null) ?? null,
      minedBlock: bigOrNull(r.mined_block),
      l1GasUsed: bigOrNull(r.l1_gas_used),
      l1FeeWei: bigOrNull(r.l1_fee_wei),
      createdAtMs: Number(r.created_at_ms),
      confirmedAtMs: r.confirmed_at_ms === null ? null : Number(r.confirmed_at_ms),
      error: (r.error as string | null) ?? null,
    }
  }

  insertPlanned(
    b: Omit<
      BatchRecord,
      | 'payload'
      | 'kzg'
      | 'daMode'
      | 'blobCount'
      | 'nonce'
      | 'status'
      | 'minedTxHash'
      | 'minedBlock'
      | 'l1GasUsed'
      | 'l1FeeWei'
      | 'confirmedAtMs'
      | 'error'
    >,
  ): void {
    this.db
      .prepare(
        `INSERT INTO batches (batch_index, first_block, last_block, parent_root, post_root,
          deposit_cursor_start, deposit_cursor_end, l1_origin_first, l1_origin_last, tx_count, raw_bytes,
          first_seen_ms, status, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?)`,
      )
      .run(
        b.batchIndex,
        b.firstBlock,
        b.lastBlock,
        b.parentRoot,
        b.postRoot,
        b.depositCursorStart,
        b.depositCursorEnd,
        b.l1OriginFirst,
        b.l1OriginLast,
        b.txCount,
        b.rawBytes,
        b.firstSeenMs,
        b.createdAtMs,
      )
  }

  get(index: bigint): BatchRecord | undefined {
    const r = this.db.prepare('SELECT * FROM batches WHERE batch_index = ?').get(index) as
      | Row
      | undefined
    return r ? this.toBatch(r) : undefined
  }

  last(): BatchRecord | undefined {
    const r = this.db.prepare('SELECT * FROM batches ORDER BY batch_index DESC LIMIT 1').get() as
      | Row
      | undefined
    return r ? this.toBatch(r) : undefined
  }

  /** batches not yet confirmed (or failed), in index order */
  open(): BatchRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM batches WHERE status IN ('planned', 'sent') ORDER BY batch_index")
        .all() as Row[]
    ).map((r) => this.toBatch(r))
  }

  all(): BatchRecord[] {
    return (this.db.prepare('SELECT * FROM batches ORDER BY batch_index').all() as Row[]).map((r) =>
      this.toBatch(r),
    )
  }

  /** the lowest failed batch below `index`, if any */
  failedBefore(index: bigint): bigint | undefined {
    const r = this.db
      .prepare(
        "SELECT batch_index FROM batches WHERE batch_index < ? AND status = 'failed' ORDER BY batch_index LIMIT 1",
      )
      .get(index) as Row | undefined
    return r ? big(r.batch_index) : undefined
  }

  /** batches from `index` on, in index order */
  from(index: bigint): BatchRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM batches WHERE batch_index >= ? ORDER BY batch_index')
        .all(index) as Row[]
    ).map((r) => this.toBatch(r))
  }

  /**
   * L1 rejected or rolled back our chain from `index` on: move those records and their
   * attempts to the dropped_* tables, so the indexes are planned afresh from L1's tip.
   * The nonce counter is not touched (the dropped txs used their nonces).
   */
  dropFrom(index: bigint): bigint[] {
    return this.db
      .transaction(() => {
        const gone = (
          this.db
            .prepare('SELECT batch_index FROM batches WHERE batch_index >= ? ORDER BY batch_index')
            .all(index) as Row[]
        ).map((r) => big(r.batch_index))
        this.db
          .prepare('INSERT INTO dropped_attempts SELECT * FROM attempts WHERE batch_index >= ?')
          .run(index)
        this.db.prepare('DELETE FROM attempts WHERE batch_index >= ?').run(index)
        this.db
          .prepare('INSERT INTO dropped_batches SELECT * FROM batches WHERE batch_index >= ?')
          .run(index)
        this.db.prepare('DELETE FROM batches WHERE batch_index >= ?').run(index)
        return gone
      })
      .immediate()
  }

  /** drop planned-but-unsent batches from `index` on (after L1 disagreed with them) */
  deleteUnsentFrom(index: bigint): number {
    return Number(
      this.db
        .prepare(
          "DELETE FROM batches WHERE batch_index >= ? AND status = 'planned' AND nonce IS NULL",
        )
        .run(index).changes,
    )
  }

  setPayload(index: bigint, payload: Uint8Array, kzg: BlobKzg | null = null): void {
    this.db
      .prepare('UPDATE batches SET payload = ?, kzg = ? WHERE batch_index = ?')
      .run(Buffer.from(payload), kzg ? JSON.stringify(kzg) : null, index)
  }

  /**
   * Give the batch the next nonce of the one nonce counter, unless it has one.
   * `floor` is L1's confirmed nonce: we never go below it.
   */
  assignNonce(index: bigint, floor: number): number {
    return this.db
      .transaction(() => {
        const b = this.get(index)
        if (!b) throw new Error(`batch ${index} not found`)
        if (b.nonce !== null) return b.nonce
        const next = Math.max(Number(this.getMeta('next_nonce') ?? '0'), floor)
        this.db.prepare('UPDATE batches SET nonce = ? WHERE batch_index = ?').run(next, index)
        this.setMeta('next_nonce', String(next + 1))
        return next
      })
      .immediate()
  }

  /**
   * A foreign tx took the batch's nonce (see TxManager.nonceConsumed): move the batch to the
   * next nonce of the counter, at least `floor` (L1's confirmed nonce). Its old attempts stay
   * recorded; their nonce is used, so none of them can land any more.
   */
  renonce(index: bigint, floor: number): number {
    return this.db
      .transaction(() => {
        const next = Math.max(Number(this.getMeta('next_nonce') ?? '0'), floor)
        this.db.prepare('UPDATE batches SET nonce = ? WHERE batch_index = ?').run(next, index)
        this.setMeta('next_nonce', String(next + 1))
        return next
      })
      .immediate()
  }

  setDa(index: bigint, mode: DaMode, blobCount: number): void {
    this.db
      .prepare('UPDATE batches SET da_mode = ?, blob_count = ? WHERE batch_index = ?')
      .run(mode, blobCount, index)
  }

  /** Written BEFORE the raw tx goes out, so a crash right after sending still knows its hash. */
  recordAttempt(a: AttemptRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO attempts (tx_hash, batch_index, nonce, da_mode, max_fee, max_tip, max_blob_fee, raw, sent_at_ms, sent_at_l1_block)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          a.txHash,
          a.batchIndex,
          a.nonce,
          a.daMode,
          String(a.fees.maxFeePerGas),
          String(a.fees.maxPriorityFeePerGas),
          a.fees.maxFeePerBlobGas === undefined ? null : String(a.fees.maxFeePerBlobGas),
          a.raw,
          a.sentAtMs,
          a.sentAtL1Block,
        )
      this.db
        .prepare("UPDATE batches SET status = 'sent' WHERE batch_index = ? AND status = 'planned'")
        .run(a.batchIndex)
    })()
  }

  attempts(index: bigint): AttemptRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM attempts WHERE batch_index = ? ORDER BY sent_at_ms, rowid')
      .all(index) as Row[]
    return rows.map((r) => ({
      txHash: r.tx_hash as Hex,
      batchIndex: big(r.batch_index),
      nonce: Number(r.nonce),
      daMode: r.da_mode as DaMode,
      fees: {
        maxFeePerGas: big(r.max_fee),
        maxPriorityFeePerGas: big(r.max_tip),
        ...(r.max_blob_fee === null ? {} : { maxFeePerBlobGas: big(r.max_blob_fee) }),
      },
      raw: r.raw as Hex,
      sentAtMs: Number(r.sent_at_ms),
      sentAtL1Block: big(r.sent_at_l1_block),
    }))
  }

  countAttempts(): number {
    return Number((this.db.prepare('SELECT count(*) AS n FROM attempts').get() as Row).n)
  }

  /** restart the stuck clock of an attempt after rebroadcasting it */
  touchAttempt(hash: Hex, nowMs: number, l1Block: bigint): void {
    this.db
      .prepare('UPDATE attempts SET sent_at_ms = ?, sent_at_l1_block = ? WHERE tx_hash = ?')
      .run(nowMs, l1Block, hash)
  }

  setMined(
    index: bigint,
    m: { txHash: Hex; block: bigint; gasUsed: bigint; feeWei: bigint } | null,
  ): void {
    this.db
      .prepare(
        'UPDATE batches SET mined_tx_hash = ?, mined_block = ?, l1_gas_used = ?, l1_fee_wei = ? WHERE batch_index = ?',
      )
      .run(
        m?.txHash ?? null,
        m?.block ?? null,
        m ? String(m.gasUsed) : null,
        m ? String(m.feeWei) : null,
        index,
      )
  }

  setConfirmed(index: bigint, nowMs: number): void {
    this.db
      .prepare("UPDATE batches SET status = 'confirmed', confirmed_at_ms = ? WHERE batch_index = ?")
      .run(nowMs, index)
  }

  /** L1 no longer has this batch (deep reorg): watch and rebroadcast it again */
  reopen(index: bigint): void {
    this.db
      .prepare(
        "UPDATE batches SET status = 'sent', confirmed_at_ms = NULL, mined_tx_hash = NULL, mined_block = NULL WHERE batch_index = ? AND status = 'confirmed'",
      )
      .run(index)
  }

  setFailed(index: bigint, error: string): void {
    this.db
      .prepare("UPDATE batches SET status = 'failed', error = ? WHERE batch_index = ?")
      .run(error, index)
  }
}
