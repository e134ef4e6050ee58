import type { Hex, RecoveredTx } from '@lanes/core'
import type { Store } from './store.js'

type Waiter = { resolve: () => void; reject: (error: unknown) => void }

/**
 * Group commit for the pending-tx journal: every append and removal queued during one
 * event-loop turn is written in one SQLite transaction (one fsync), then all appenders are
 * acknowledged together. eth_sendRawTransaction answers only after its append resolved.
 */
export class JournalWriter {
  readonly #store: Store
  #inserts: RecoveredTx[] = []
  #deletes: Hex[] = []
  #waiters: Waiter[] = []
  #scheduled = false
  #seq: number
  /** fsync'd journal commits so far (metrics, tests) */
  commits = 0

  constructor(store: Store) {
    this.#store = store
    this.#seq = store.journalMaxSeq() + 1
  }

  /** Resolves once `txs` are durable in the journal. */
  append(txs: readonly RecoveredTx[]): Promise<void> {
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

  /** Writes everything queued now (the builder calls this before it picks txs). */
  flush(): void {
    if (this.#inserts.length === 0 && this.#deletes.length === 0 && this.#waiters.length === 0)
      return
    const inserts = this.#inserts
    const deletes = this.#deletes
    const waiters = this.#waiters
    this.#inserts = []
    this.#deletes = []
    this.#waiters = []
    try {
      this.#store.transaction(() => {
        this.#store.journalInsert(inserts, this.#seq)
        this.#store.journalDelete(deletes)
      })
      this.#seq += inserts.length
      this.commits++
    } catch (error) {
      for (const w of waiters) w.reject(error)
      return
    }
    for (const w of waiters) w.resolve()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.flush()
    })
  }
}
