import { Worker } from 'node:worker_threads'
import type { Hex, RecoveredTx } from '@lanes/core'
import type { Store } from './store.js'

type Waiter = { resolve: () => void; reject: (error: unknown) => void }
type Reply = { id: number; error?: string }

const WORKER_URL = new URL('./journal-worker.mjs', import.meta.url)

export class JournalWriteError extends Error {
  override name = 'JournalWriteError'
}

/**
 * Group commit for the pending-tx journal. Appends and removals queue up while one commit is
 * in flight; the next commit (one transaction, one fsync) takes everything queued meanwhile,
 * and only then are its appenders acknowledged. eth_sendRawTransaction answers only after its
 * append resolved, so an acknowledged tx is on disk.
 *
 * With `dbPath` the commits run on a worker thread with its own connection to the same
 * database: the fsync no longer stalls the JSON-RPC event loop. Without it they run on the
 * caller's connection (tests, in-memory databases).
 */
export class JournalWriter {
  readonly #store: Store
  readonly #worker: Worker | undefined
  #inserts: RecoveredTx[] = []
  #deletes: Hex[] = []
  #waiters: Waiter[] = []
  #scheduled = false
  #inFlight: Promise<void> | undefined
  #replies = new Map<number, (r: Reply) => void>()
  #nextId = 1
  /** id of the last finished commit */
  #doneId = 0
  #failed: Error | undefined
  #seq: number
  /** fsync'd journal commits so far (metrics, tests) */
  commits = 0

  constructor(store: Store, options: { dbPath?: string; checkpointMs?: number } = {}) {
    this.#store = store
    this.#seq = store.journalMaxSeq() + 1
    if (options.dbPath) {
      const worker = new Worker(WORKER_URL, {
        workerData: { path: options.dbPath, checkpointMs: options.checkpointMs },
      })
      // the writer thread checkpoints the WAL from now on (see journal-worker.mjs)
      store.db.pragma('wal_autocheckpoint = 0')
      worker.unref()
      worker.on('message', (r: Reply) => {
        const done = this.#replies.get(r.id)
        this.#replies.delete(r.id)
        done?.(r)
      })
      worker.on('error', (error) => this.#fail(error))
      worker.on('exit', (code) =>
        this.#fail(new JournalWriteError(`journal writer exited (${code})`)),
      )
      this.#worker = worker
    }
  }

  /** Resolves once `txs` are durable in the journal. */
  append(txs: readonly RecoveredTx[]): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed)
    for (const tx of txs) this.#inserts.push(tx)
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    this.#schedule()
    return done
  }

  /** Queues removals (evicted or replaced txs); written with the next group. */
  remove(hashes: Iterable<Hex>): void {
    for (const h of hashes) this.#deletes.push(h)
    this.#schedule()
  }

  /** Resolves when everything queued before the call is durable (or failed). */
  async sync(): Promise<void> {
    if (!this.#worker) return this.#commit()
    // only what is queued now: under steady load something is always queued
    const target = this.#queued() ? this.#nextId : this.#nextId - 1
    while (this.#doneId < target) {
      if (!this.#inFlight) this.#commit()
      await this.#inFlight
    }
  }

  /** Writes what is queued on the caller's connection, synchronously (no worker only). */
  flush(): void {
    if (this.#worker) throw new Error('JournalWriter.flush: use sync() with a worker')
    this.#commit()
  }

  /** Waits for the queued commits, then stops the writer thread. */
  async close(): Promise<void> {
    await this.sync()
    const w = this.#worker
    if (w) {
      w.removeAllListeners('exit')
      await w.terminate()
    }
  }

  #queued(): boolean {
    return this.#inserts.length > 0 || this.#deletes.length > 0 || this.#waiters.length > 0
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      if (!this.#inFlight) this.#commit()
    })
  }

  /** Starts one group commit of everything queued; the next starts when it ends. */
  #commit(): void {
    if (!this.#queued()) return
    const inserts = this.#inserts
    const deletes = this.#deletes
    const waiters = this.#waiters
    this.#inserts = []
    this.#deletes = []
    this.#waiters = []
    const firstSeq = this.#seq
    this.#seq += inserts.length
    const settle = (error: unknown) => {
      if (error === undefined) this.commits++
      for (const w of waiters) error === undefined ? w.resolve() : w.reject(error)
    }
    if (!this.#worker) {
      try {
        this.#store.transaction(() => {
          this.#store.journalInsert(inserts, firstSeq)
          this.#store.journalDelete(deletes)
        })
      } catch (error) {
        settle(error)
        return
      }
      settle(undefined)
      return
    }
    if (this.#failed) {
      settle(this.#failed)
      return
    }
    const id = this.#nextId++
    const msg = { id, firstSeq, ins: packInserts(inserts), del: packDeletes(deletes) }
    this.#inFlight = new Promise<void>((resolve) => {
      this.#replies.set(id, (r) => {
        this.#inFlight = undefined
        this.#doneId = id
        this.#worker?.unref()
        settle(r.error === undefined ? undefined : new JournalWriteError(r.error))
        resolve()
        // what queued up during this commit goes out now as the next group
        if (this.#queued()) this.#commit()
      })
    })
    this.#worker.ref()
    this.#worker.postMessage(msg, [msg.ins, msg.del])
  }

  #fail(error: unknown): void {
    if (this.#failed) return
    this.#failed = error instanceof Error ? error : new JournalWriteError(String(error))
    const failed = this.#failed
    for (const [id, done] of this.#replies) done({ id, error: failed.message })
    this.#replies.clear()
  }
}

/** (hash 32 ‖ length u32 BE ‖ sender 20 ‖ raw)*: each entry is encodeSigned's layout, written in place. */
function packInserts(txs: readonly RecoveredTx[]): ArrayBuffer {
  let size = 0
  for (const tx of txs) size += 36 + 20 + tx.raw.length
  const buf = Buffer.allocUnsafeSlow(size)
  let off = 0
  for (const tx of txs) {
    buf.write(tx.hash.slice(2), off, 32, 'hex')
    buf.writeUInt32BE(20 + tx.raw.length, off + 32)
    buf.write(tx.from.slice(2), off + 36, 20, 'hex')
    buf.set(tx.raw, off + 56)
    off += 56 + tx.raw.length
  }
  return buf.buffer
}

function packDeletes(hashes: readonly Hex[]): ArrayBuffer {
  const buf = Buffer.allocUnsafeSlow(32 * hashes.length)
  for (let i = 0; i < hashes.length; i++) buf.write(hashes[i]!.slice(2), 32 * i, 32, 'hex')
  return buf.buffer
}
