import { Queue } from 'bullmq'
import type { Store } from './store/store.js'

export const SEALED_QUEUE = 'sealed'
const CURSOR_KEY = 'publishedThrough'

/** The payload of a "sealed" job. Job id: `block-<number>` (BullMQ ids may not contain ':'). */
export type SealedJob = { number: string; hash: string; stateRoot: string; txCount: number }

export type PublisherOptions = {
  redisUrl: string
  /** BullMQ prefix, e.g. "{lanes}" or "{lanes}-run42" (keep the hash tag) */
  prefix: string
  store: Store
  /** retry delay after a failed enqueue */
  retryMs?: number
  /** an enqueue not answered within this is treated as failed (BullMQ waits for Redis) */
  addTimeoutMs?: number
  onError?: (error: unknown) => void
}

/**
 * Publishes one "sealed" BullMQ job per block, in order, without ever holding up block
 * production: notify() only moves a target; a background loop enqueues from a cursor kept in
 * SQLite. After a crash or a Redis outage the loop resumes from the cursor, so every block is
 * enqueued at least once; deterministic job ids make re-enqueues of retained jobs no-ops.
 */
export class SealedPublisher {
  readonly queue: Queue
  readonly #store: Store
  readonly #retryMs: number
  readonly #addTimeoutMs: number
  readonly #onError: ((error: unknown) => void) | undefined
  #cursor: bigint
  #target: bigint
  #running = false
  #closed = false
  #lastSave = 0
  #wake: (() => void) | undefined
  #loop: Promise<void> | undefined

  constructor(opts: PublisherOptions) {
    this.#store = opts.store
    this.#retryMs = opts.retryMs ?? 1000
    this.#addTimeoutMs = opts.addTimeoutMs ?? 5000
    this.#onError = opts.onError
    this.queue = new Queue(SEALED_QUEUE, {
      prefix: opts.prefix,
      connection: { url: opts.redisUrl, maxRetriesPerRequest: 1, enableOfflineQueue: false },
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { count: 10_000 },
        removeOnFail: false,
      },
    })
    // an unreachable Redis is reported through onError by the loop, not as an unhandled event
    this.queue.on('error', () => {})
    const saved = opts.store.getMeta(CURSOR_KEY)
    this.#cursor = saved === undefined ? 0n : BigInt(saved)
    this.#target = opts.store.head()?.number ?? 0n
  }

  /** Highest block number enqueued so far (block 0 counts as published). */
  get publishedThrough(): bigint {
    return this.#cursor
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  notify(blockNumber: bigint): void {
    if (blockNumber > this.#target) this.#target = blockNumber
    this.#wake?.()
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#cursor >= this.#target) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve
        })
        this.#wake = undefined
        continue
      }
      const n = this.#cursor + 1n
      const summary = this.#store.blockSummary(n)
      if (!summary) {
        await this.#sleep(this.#retryMs)
        continue
      }
      const job: SealedJob = {
        number: n.toString(),
        hash: summary.header.hash,
        stateRoot: summary.header.stateRoot,
        txCount: summary.txHashes.length,
      }
      try {
        // a late success of a timed-out add is harmless: the job id dedupes the retry
        await withTimeout(
          this.queue.add(SEALED_QUEUE, job, { jobId: `block-${n}` }),
          this.#addTimeoutMs,
        )
      } catch (error) {
        this.#onError?.(error)
        await this.#sleep(this.#retryMs)
        continue
      }
      this.#cursor = n
      this.#save(false)
    }
  }

  #save(force: boolean): void {
    const now = Date.now()
    if (!force && now - this.#lastSave < 1000 && this.#cursor < this.#target) return
    this.#lastSave = now
    try {
      this.#store.setMeta(CURSOR_KEY, this.#cursor.toString())
    } catch {
      // store closed during shutdown: the cursor is re-derived on start (ids dedupe)
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      this.#wake = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }

  /** Stops the loop, saves the cursor and closes the Redis connection. */
  async close(): Promise<void> {
    this.#closed = true
    this.#wake?.()
    await this.#loop
    this.#save(true)
    await this.queue.close().catch(() => {})
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e) => {
        clearTimeout(t)
        reject(e)
      },
    )
  })
}
