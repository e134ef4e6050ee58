import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { LanesError } from './errors.js'
import type { Address } from './hex.js'
import { toHex } from './hex.js'
import { type RecoveryItem, recoveryBackend, writeUint256 } from './recover.js'
import { RECOVERY_ITEM_BYTES, RECOVERY_OUT_BYTES } from './recover-addon.js'
import { InvalidSenderError } from './tx-errors.js'

export type RecoverRequest = { id: number; n: number; buf: ArrayBuffer }
export type RecoverResponse = { id: number; buf: ArrayBuffer }

export type SenderRecoveryPoolOptions = {
  /** worker threads, default os.cpus().length */
  size?: number
  /** most items per message; default adapts to batch size (16..512) */
  maxChunk?: number
  /** times one chunk may be retried after its worker died, default 3 */
  maxAttempts?: number
  /** worker entry point; only tests replace it */
  workerUrl?: URL
}

type Batch = {
  items: readonly RecoveryItem[]
  out: Array<Address | null>
  remaining: number
  resolve: (out: Array<Address | null>) => void
  reject: (error: unknown) => void
  settled: boolean
}

type Chunk = { batch: Batch; start: number; end: number; attempts: number }

type Slot = { worker: Worker; chunk: Chunk | null; id: number; exited: boolean }

export class SenderRecoveryPoolClosedError extends LanesError {
  override name = 'SenderRecoveryPoolClosedError'
  constructor() {
    super('sender recovery pool is closed')
  }
}

export class SenderRecoveryWorkerError extends LanesError {
  override name = 'SenderRecoveryWorkerError'
}

const WORKER_URL = new URL('./recover-worker.mjs', import.meta.url)

/**
 * Recovers transaction senders on worker threads. A batch is split into chunks, each
 * packed into one transferred ArrayBuffer; idle workers take the next chunk. A worker
 * that dies is replaced and its chunk redone, so callers only see results or a typed error.
 */
export class SenderRecoveryPool {
  readonly size: number
  readonly #maxChunk: number
  readonly #maxAttempts: number
  readonly #slots: Slot[] = []
  readonly #queue: Chunk[] = []
  readonly #workerUrl: URL
  #nextId = 1
  #closed = false
  /** set when workers keep dying without finishing anything: the pool stops respawning */
  #broken: SenderRecoveryWorkerError | undefined
  #deathsWithoutProgress = 0

  constructor(options: SenderRecoveryPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? os.cpus().length)
    this.#maxChunk = options.maxChunk ?? 512
    this.#maxAttempts = options.maxAttempts ?? 3
    this.#workerUrl = options.workerUrl ?? WORKER_URL
    // Warn about a missing native module once, here, rather than in every worker.
    recoveryBackend()
    for (let i = 0; i < this.size; i++) this.#slots.push(this.#spawn())
  }

  /** The current worker threads (replaced ones drop out); for diagnostics and tests. */
  get workers(): readonly Worker[] {
    return this.#slots.map((s) => s.worker)
  }

  /** Senders in input order; rejects with InvalidSenderError (with `index`) if any is invalid. */
  async recover(items: readonly RecoveryItem[]): Promise<Address[]> {
    const out = await this.recoverEach(items)
    const bad = out.indexOf(null)
    if (bad >= 0) throw new InvalidSenderError({ index: bad })
    return out as Address[]
  }

  /** Senders in input order, null where the signature is invalid. */
  recoverEach(items: readonly RecoveryItem[]): Promise<Array<Address | null>> {
    if (this.#closed) return Promise.reject(new SenderRecoveryPoolClosedError())
    if (this.#broken) return Promise.reject(this.#broken)
    if (items.length === 0) return Promise.resolve([])
    return new Promise((resolve, reject) => {
      const batch: Batch = {
        items,
        out: new Array(items.length).fill(null),
        remaining: items.length,
        resolve,
        reject,
        settled: false,
      }
      // One chunk per worker: each message is a wake-up (a context switch on a busy machine),
      // and callers keep a second call queued, so a worker that finishes early takes from it.
      const per = Math.ceil(items.length / this.size)
      const chunk = Math.min(this.#maxChunk, Math.max(16, per))
      for (let start = 0; start < items.length; start += chunk)
        this.#queue.push({ batch, start, end: Math.min(items.length, start + chunk), attempts: 0 })
      this.#dispatch()
    })
  }

  /** Terminates the workers; pending batches reject with SenderRecoveryPoolClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const error = new SenderRecoveryPoolClosedError()
    for (const c of this.#queue.splice(0)) this.#fail(c.batch, error)
    for (const s of this.#slots) if (s.chunk) this.#fail(s.chunk.batch, error)
    await Promise.all(this.#slots.map((s) => s.worker.terminate()))
  }

  #spawn(): Slot {
    const worker = new Worker(this.#workerUrl)
    const slot: Slot = { worker, chunk: null, id: 0, exited: false }
    worker.unref()
    let lastError: unknown
    worker.on('message', (res: RecoverResponse) => this.#onResult(slot, res))
    worker.on('error', (error) => {
      lastError = error
    })
    worker.on('exit', () => this.#onExit(slot, lastError))
    return slot
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.chunk || slot.exited) continue
      let chunk = this.#queue.shift()
      while (chunk?.batch.settled) chunk = this.#queue.shift()
      if (!chunk) return
      slot.chunk = chunk
      slot.id = this.#nextId++
      const n = chunk.end - chunk.start
      const buf = pack(chunk.batch.items, chunk.start, chunk.end)
      slot.worker.ref()
      const req: RecoverRequest = { id: slot.id, n, buf }
      slot.worker.postMessage(req, [buf])
    }
  }

  #onResult(slot: Slot, res: RecoverResponse): void {
    const chunk = slot.chunk
    if (!chunk || res.id !== slot.id) return
    slot.chunk = null
    slot.worker.unref()
    this.#deathsWithoutProgress = 0
    const { batch } = chunk
    if (!batch.settled) {
      const out = new Uint8Array(res.buf)
      for (let i = 0; i < chunk.end - chunk.start; i++) {
        const at = i * RECOVERY_OUT_BYTES
        batch.out[chunk.start + i] =
          out[at] === 1 ? (toHex(out.subarray(at + 1, at + RECOVERY_OUT_BYTES)) as Address) : null
      }
      batch.remaining -= chunk.end - chunk.start
      if (batch.remaining === 0) {
        batch.settled = true
        batch.resolve(batch.out)
      }
    }
    this.#dispatch()
  }

  #onExit(slot: Slot, cause: unknown): void {
    slot.exited = true
    if (this.#closed || this.#broken) return
    const chunk = slot.chunk
    slot.chunk = null
    // Workers that cannot even start (or crash on everything) would respawn forever.
    if (++this.#deathsWithoutProgress > this.size * this.#maxAttempts) {
      if (chunk) this.#queue.unshift(chunk)
      this.#breakPool(cause)
      return
    }
    const index = this.#slots.indexOf(slot)
    if (index >= 0) this.#slots[index] = this.#spawn()
    if (chunk && !chunk.batch.settled) {
      chunk.attempts++
      if (chunk.attempts >= this.#maxAttempts)
        this.#fail(
          chunk.batch,
          new SenderRecoveryWorkerError(
            `sender recovery worker died ${chunk.attempts} times on the same chunk`,
            { cause },
          ),
        )
      else this.#queue.unshift(chunk)
    }
    this.#dispatch()
  }

  #breakPool(cause: unknown): void {
    const error = new SenderRecoveryWorkerError(
      `sender recovery workers died ${this.#deathsWithoutProgress} times without progress`,
      { cause },
    )
    this.#broken = error
    for (const c of this.#queue.splice(0)) this.#fail(c.batch, error)
    for (const s of this.#slots) {
      if (s.chunk) this.#fail(s.chunk.batch, error)
      s.chunk = null
      if (!s.exited) void s.worker.terminate()
    }
  }

  #fail(batch: Batch, error: unknown): void {
    if (batch.settled) return
    batch.settled = true
    batch.reject(error)
  }
}

const TWO_256 = 2n ** 256n

function pack(items: readonly RecoveryItem[], start: number, end: number): ArrayBuffer {
  const buf = new ArrayBuffer((end - start) * RECOVERY_ITEM_BYTES)
  const bytes = new Uint8Array(buf)
  const view = new DataView(buf)
  for (let i = start; i < end; i++) {
    const item = items[i]!
    const at = (i - start) * RECOVERY_ITEM_BYTES
    // Malformed items get zeroed fields: the worker reports them invalid, never throws.
    const r = item.r
    const s = item.s
    const ok = item.signingHash.length === 32 && r >= 0n && s >= 0n && r < TWO_256 && s < TWO_256
    if (!ok) continue
    bytes.set(item.signingHash, at)
    writeUint256(view, at + 32, r)
    writeUint256(view, at + 64, s)
    bytes[at + 96] = item.yParity
  }
  return buf
}
