import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { Arena } from './arena.js'
import type { SegmentHasher } from './engine.js'
import { StateTreeError } from './errors.js'
import { createOpRunner, type OpRunner } from './hash-program.js'
import {
  C_BUFGEN,
  C_DONE,
  C_GEN,
  C_NEXT,
  C_SEGCOUNT,
  C_SIZE,
  C_STOP,
  type HashBuffers,
} from './worker-protocol.js'

export interface WorkerHasherOptions {
  /** Worker threads besides the calling thread (default: cores - 1, at least 1). */
  threads?: number
  /** Key-prefix depth of the split: 2^depth independent subtrees (default 5). */
  splitDepth?: number
  /** Batches smaller than this are hashed on the calling thread alone (default 2048). */
  minBatch?: number
}

/**
 * Hashes the independent subtrees of large batches on worker threads, synchronously: the
 * calling thread hands out subtrees through a shared counter, hashes some itself and waits
 * with Atomics.wait, so `applyBatch` stays synchronous and can run inside a SQLite
 * transaction. Buffers are shared, nothing is copied. The root is the same as on one thread.
 */
export class WorkerHasher implements SegmentHasher {
  readonly splitDepth: number
  readonly minBatch: number
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(C_SIZE * 4))
  private readonly workers: Worker[] = []
  private readonly ports: MessagePort[] = []
  private readonly runner: OpRunner = createOpRunner()
  private sent: {
    nodes?: ArrayBufferLike
    leaves?: ArrayBufferLike
    prog?: ArrayBufferLike
    segs?: ArrayBufferLike
  } = {}
  private bufGen = 0
  private closed = false

  private constructor(options: WorkerHasherOptions) {
    this.splitDepth = options.splitDepth ?? 5
    this.minBatch = options.minBatch ?? 2048
  }

  get threads(): number {
    return this.workers.length
  }

  static async create(options: WorkerHasherOptions = {}): Promise<WorkerHasher> {
    const { availableParallelism } = await import('node:os')
    const h = new WorkerHasher(options)
    const n = Math.max(1, options.threads ?? availableParallelism() - 1)
    const url = new URL('./hash-worker.mjs', import.meta.url)
    const ready: Promise<void>[] = []
    for (let i = 0; i < n; i++) {
      const { port1, port2 } = new MessageChannel()
      const w = new Worker(url, {
        workerData: { ctrl: h.ctrl.buffer, port: port2 },
        transferList: [port2],
      })
      ready.push(
        new Promise((resolve, reject) => {
          w.once('message', () => resolve())
          w.once('error', reject)
        }),
      )
      h.workers.push(w)
      h.ports.push(port1)
    }
    try {
      await Promise.all(ready)
    } catch (error) {
      await h.close()
      throw error
    }
    // only now: an unref'd worker would let the process exit while we wait for it
    for (const w of h.workers) w.unref()
    for (const p of h.ports) p.unref()
    return h
  }

  runSegments(arena: Arena, prog: Int32Array, segs: Int32Array, segCount: number): void {
    if (this.closed) throw new Error('WorkerHasher is closed')
    const ctrl = this.ctrl
    const s = this.sent
    if (
      s.nodes !== arena.nodes.buffer ||
      s.leaves !== arena.leaves.buffer ||
      s.prog !== prog.buffer ||
      s.segs !== segs.buffer
    ) {
      this.sent = {
        nodes: arena.nodes.buffer,
        leaves: arena.leaves.buffer,
        prog: prog.buffer,
        segs: segs.buffer,
      }
      const msg: HashBuffers = {
        gen: ++this.bufGen,
        nodes: arena.nodes.buffer as SharedArrayBuffer,
        leaves: arena.leaves.buffer as SharedArrayBuffer,
        prog: prog.buffer as SharedArrayBuffer,
        segs: segs.buffer as SharedArrayBuffer,
      }
      for (const p of this.ports) p.postMessage(msg)
      Atomics.store(ctrl, C_BUFGEN, this.bufGen)
    }
    Atomics.store(ctrl, C_SEGCOUNT, segCount)
    Atomics.store(ctrl, C_NEXT, 0)
    Atomics.store(ctrl, C_DONE, 0)
    Atomics.add(ctrl, C_GEN, 1)
    Atomics.notify(ctrl, C_GEN)
    for (;;) {
      const i = Atomics.add(ctrl, C_NEXT, 1)
      if (i >= segCount) break
      this.runner.run(arena.nodes, arena.leaves, prog, [segs[2 * i]!, segs[2 * i + 1]!], 1)
    }
    const n = this.workers.length
    const deadline = Date.now() + 60_000
    for (;;) {
      const done = Atomics.load(ctrl, C_DONE)
      if (done >= n) break
      Atomics.wait(ctrl, C_DONE, done, 1000)
      // a dead worker never reports: fail the batch (the tree reloads) instead of hanging
      if (Date.now() > deadline) throw new StateTreeError('hash workers did not finish within 60 s')
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    Atomics.store(this.ctrl, C_STOP, 1)
    Atomics.add(this.ctrl, C_GEN, 1)
    Atomics.notify(this.ctrl, C_GEN)
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              void w.terminate().then(() => resolve())
            }, 2000)
            w.once('exit', () => {
              clearTimeout(t)
              resolve()
            })
          }),
      ),
    )
    for (const p of this.ports) p.close()
  }
}
