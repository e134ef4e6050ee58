import { fileURLToPath } from 'node:url'
import { EMPTY_BATCH_CONTEXT } from '@lanes/batch-codec'
import { DelayedError, FlowProducer, type Job, Queue, UnrecoverableError, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { BatchStart } from './batch.js'
import { BatcherContexts } from './batch-context.js'
import { BlockCache } from './block-cache.js'
import { type BlockSource, rawBytesOf, type SealedBlock } from './block-source.js'
import { type CompressJobResult, compressJobData } from './compress-job.js'
import { crashPoint } from './crash-point.js'
import {
  closeAfterMs,
  nextSendMs,
  type PlanParams,
  planNextBatch,
  updateCompressionRatio,
} from './decide/plan.js'
import { decideRecovery, type Recovery } from './decide/recovery.js'
import { shouldThrottle } from './decide/throttle.js'
import { BatchSelfCheckError, CommitRevertedError, ReconcileError } from './errors.js'
import type { L1Client, RollupHead } from './l1/client.js'
import type { BatcherMetrics } from './metrics.js'
import { listenSealed } from './sealed-listener.js'
import type { BatchRecord, BatchStore } from './store.js'
import type { TxManager } from './tx-manager.js'

/** the compress child exits when the batcher is gone, even after a SIGKILL */
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href

export type PipelineOptions = {
  l2ChainId: bigint
  prefix: string
  maxPendingTxs: number
  pollIntervalMs: number
  plan: Omit<PlanParams, 'compressionRatio'>
  throttle: { onAboveBytes: number; offBelowBytes: number; maxBlockBytes: number }
  compressConcurrency: number
  /** DA mode may be blobs: compute KZG data in the compress stage */
  withBlobs: boolean
  /** blocks fetched from the sequencer per request while planning */
  fetchChunk?: number
  /** wake the planner on the sequencer's "sealed" queue (polling stays as the fallback) */
  sealedEvents?: boolean
  /** first wait before planning again a batch that reverted in line with L1 (default 60 s) */
  revertRetryMs?: number
}

export type PipelineDeps = {
  connection: () => Redis
  store: BatchStore
  l1: L1Client
  source: BlockSource
  txm: TxManager
  metrics: BatcherMetrics
  log: Logger
  now?: () => number
}

export const QUEUES = ['plan', 'compress', 'post', 'confirm'] as const
const MARKER = 'batcher-epoch'
const jobId = (i: bigint) => `batch-${i}`

/** retries back off exponentially up to 30 s; L1 or the sequencer may be down for long */
const RETRY = { attempts: 1_000_000, backoff: { type: 'capped' } }
const backoffStrategy = (attemptsMade: number) =>
  Math.min(30_000, 200 * 2 ** Math.min(attemptsMade, 10))

/**
 * plan → compress → post → confirm on BullMQ. Redis only holds work in
 * flight: SQLite and L1 are the truth, and `supervise` rebuilds any job that
 * is missing from them (start-up, a wiped Redis, a lost event).
 */
export class Pipeline {
  readonly queues: Record<(typeof QUEUES)[number], Queue>
  private readonly flow: FlowProducer
  private workers: Worker[] = []
  private timer: NodeJS.Timeout | undefined
  private ticking = false
  /** a wake-up arrived during a pass: run another right after */
  private again = false
  private wakeAt = Number.POSITIVE_INFINITY
  private wakeTimer: NodeJS.Timeout | undefined
  /** job id → re-adds of a job that failed for good, and when the last one was */
  private readonly readded = new Map<string, { n: number; at: number }>()
  private stopped = false
  private epoch = ''
  private throttling = false
  private throttleSentMs = 0
  private ratio = 0.5
  /** recent plan → sent time (compress + post), so a batch closes early enough to go out by its max delay */
  private sendMs = 0
  private l1Head: RollupHead | undefined
  /** after a revert or an L1 rollback: what posting may do (see decideRecovery) */
  private recovery: Recovery = { kind: 'none' }
  private halt: { index: bigint; sinceMs: number } | undefined
  /** in-line reverts re-planned since the last confirmed batch (their backoff doubles) */
  private retried = 0
  /** first sight of blocks whose timestamp was ahead of our clock (see sealedAt) */
  private readonly firstSeen = new Map<bigint, number>()
  reconciled = false
  lastTickError: unknown = undefined
  /** address tables of the previous batches, for encoding the next (batch-codec §3.5) */
  private readonly contexts: BatcherContexts
  private readonly now: () => number
  private readonly conns: Redis[] = []
  private readonly cache: BlockCache
  /** index → where it starts, from the plan of index - 1 (compressing, not stored yet) */
  private readonly tails = new Map<bigint, BatchStart>()
  /** index → its range as planned, while it compresses (for the address table of the next) */
  private readonly planned = new Map<bigint, BatchRecord>()

  constructor(
    private readonly o: PipelineOptions,
    private readonly d: PipelineDeps,
  ) {
    this.now = d.now ?? Date.now
    this.contexts = new BatcherContexts({
      chainId: o.l2ChainId,
      // a batch planned but still compressing counts by its plan, so the next one planned on
      // top of it is still encoded against the address table (post re-checks the table)
      record: (i) => d.store.get(i) ?? this.planned.get(i),
      blocks: (from, to) => d.source.getBlockRange(from, to),
    })
    this.cache = new BlockCache(d.source, BigInt(o.fetchChunk ?? 64))
    const connection = this.conn()
    this.queues = Object.fromEntries(
      QUEUES.map((q) => [
        q,
        new Queue(q, {
          connection,
          prefix: o.prefix,
          defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, ...RETRY },
        }),
      ]),
    ) as Pipeline['queues']
    this.flow = new FlowProducer({ connection, prefix: o.prefix })
    const r = d.store.getMeta('compression_ratio')
    if (r) this.ratio = Number(r)
    this.sendMs = Number(d.store.getMeta('send_ms') ?? 0) || 0
  }

  private conn(): Redis {
    const c = this.d.connection()
    this.conns.push(c)
    return c
  }

  async start(): Promise<void> {
    await this.reconcile()
    // a killed batcher leaves its active jobs locked: short locks let a restarted one take
    // them over within seconds (every processor is idempotent, so a double run is harmless)
    const common = {
      prefix: this.o.prefix,
      settings: { backoffStrategy },
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 1_000,
    }
    const mk = (
      name: string,
      proc: (job: Job, token?: string) => Promise<unknown>,
      concurrency = 1,
    ) => {
      const w = new Worker(name, proc, { ...common, connection: this.conn(), concurrency })
      w.on('failed', (job, err) => {
        if (
          job &&
          job.attemptsMade < (job.opts.attempts ?? 1) &&
          !(err instanceof UnrecoverableError)
        ) {
          this.d.metrics.retries.inc({ queue: name })
          this.d.log.warn(
            { queue: name, job: job.id, attempt: job.attemptsMade, err: err.message },
            'job failed, will retry',
          )
        } else
          this.d.log.error({ queue: name, job: job?.id, err: err.message }, 'job failed for good')
      })
      w.on('error', (err) => this.d.log.warn({ queue: name, err: err.message }, 'worker error'))
      this.workers.push(w)
    }
    mk('plan', (job) => this.planJob(job))
    const compress = new Worker(
      'compress',
      fileURLToPath(new URL('./compress-processor.mjs', import.meta.url)),
      {
        ...common,
        connection: this.conn(),
        concurrency: this.o.compressConcurrency,
        useWorkerThreads: false,
        workerForkOptions: {
          execArgv: [
            ...process.execArgv.filter((a) => !a.startsWith('--inspect')),
            '--import',
            EXIT_WITH_PARENT,
          ],
        },
      },
    )
    compress.on('failed', (job, err) =>
      this.d.log.warn({ queue: 'compress', job: job?.id, err: err.message }, 'compress failed'),
    )
    compress.on('error', (err) =>
      this.d.log.warn({ queue: 'compress', err: err.message }, 'worker error'),
    )
    this.workers.push(compress)
    // start the sandboxed child (tsx, codec, KZG) now rather than on the first batch's path
    const warm = await this.queues.compress.add(
      'warm',
      { withBlobs: this.o.withBlobs },
      { jobId: `warm-${this.epoch}`, attempts: 1, removeOnComplete: 10, removeOnFail: 10 },
    )
    void this.whenWarm(warm)
    mk('post', (job, token) => this.postJob(job, token))
    mk('confirm', (job, token) => this.confirmJob(job, token))
    if (this.o.sealedEvents !== false)
      this.workers.push(
        listenSealed({
          connection: this.conn(),
          prefix: this.o.prefix,
          log: this.d.log,
          onSealed: () => this.wake(),
        }),
      )
    this.schedule(0)
  }

  /** /readyz waits for this: the compress child is up with KZG loaded */
  warmed = false

  private async whenWarm(job: Job): Promise<void> {
    const t0 = this.now()
    while (!this.stopped && this.now() - t0 < 120_000) {
      const state = await job.getState().catch(() => 'unknown')
      if (state === 'completed' || state === 'failed' || state === 'unknown') {
        if (state !== 'completed') this.d.log.warn({ state }, 'compress warm-up did not complete')
        else this.d.log.info({ ms: this.now() - t0 }, 'compress worker warm')
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    this.warmed = true
  }

  /** Run a supervisor pass now (a block sealed), or after `inMs` (a batch's max delay is due). */
  wake(inMs = 0): void {
    if (this.stopped) return
    if (inMs > 0) {
      const at = this.now() + inMs
      if (at >= this.wakeAt) return
      this.wakeAt = at
      clearTimeout(this.wakeTimer)
      this.wakeTimer = setTimeout(() => {
        this.wakeAt = Number.POSITIVE_INFINITY
        this.wake()
      }, inMs)
      return
    }
    if (this.ticking) {
      this.again = true
      return
    }
    if (this.timer) clearTimeout(this.timer)
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    clearTimeout(this.wakeTimer)
    while (this.ticking) await new Promise((r) => setTimeout(r, 20))
    await Promise.all(this.workers.map((w) => w.close()))
    await Promise.all(Object.values(this.queues).map((q) => q.close()))
    await this.flow.close()
    for (const c of this.conns) c.disconnect()
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => void this.tick(), ms)
  }

  private async tick(): Promise<void> {
    this.ticking = true
    let delay = this.o.pollIntervalMs
    try {
      await this.supervise()
      this.lastTickError = undefined
    } catch (e) {
      this.lastTickError = e
      const err = e as Error
      this.d.log.warn({ err: err.message }, 'supervisor tick failed')
      if (e instanceof ReconcileError)
        this.d.log.fatal({ err: err.message }, 'L1 disagrees with our records: not posting')
      delay = Math.min(10_000, delay * 4)
    } finally {
      this.ticking = false
      this.schedule(this.again ? 0 : delay)
      this.again = false
    }
  }

  /**
   * Before anything is enqueued: read L1, check it agrees with SQLite, re-open
   * batches L1 lost, and mark Redis with an epoch so a wipe is noticed.
   */
  async reconcile(): Promise<void> {
    const head = await this.d.l1.rollupHead()
    this.l1Head = head
    const prev = this.d.store.get(head.nextBatchIndex - 1n)
    if (prev && prev.postRoot.toLowerCase() !== head.lastStateRoot.toLowerCase())
      throw new ReconcileError(
        `L1 batch ${prev.batchIndex} has root ${head.lastStateRoot}, our record says ${prev.postRoot}`,
      )
    await this.missingOnL1(head, this.d.store.from(head.nextBatchIndex))
    this.epoch = `${this.now()}-${Math.random().toString(36).slice(2)}`
    await this.queues.plan.client.then((c) => c.set(this.redisKeySync(), this.epoch))
    this.d.metrics.reconciles.inc()
    this.reconciled = true
    this.d.log.info(
      {
        nextBatchIndex: String(head.nextBatchIndex),
        lastCommittedBlock: String(head.lastCommittedBlock),
        open: this.d.store.open().length,
      },
      'reconciled with L1',
    )
  }

  private redisKeySync(): string {
    return `${this.o.prefix}:${MARKER}`
  }

  /**
   * The job `id` exists and can still run. One that failed for good (attempts used up, an
   * UnrecoverableError from a transient cause) is removed and added again, with backoff,
   * so the pipeline never stalls behind it; a batch that must not be retried is 'failed'
   * in SQLite and never reaches here.
   */
  private async ensure(queue: Queue, id: string, name: string, data: unknown): Promise<void> {
    const job = await queue.getJob(id)
    if (job) {
      if ((await job.getState()) !== 'failed') return
      if (!this.mayReadd(`${queue.name}/${id}`)) return
      this.d.log.warn(
        { queue: queue.name, job: id, err: job.failedReason },
        'job failed for good: adding it again',
      )
      await job.remove()
    }
    await queue.add(name, data, { jobId: id })
  }

  private mayReadd(key: string): boolean {
    const r = this.readded.get(key) ?? { n: 0, at: 0 }
    if (this.now() - r.at < Math.min(30_000, 250 * 2 ** r.n)) return false
    this.readded.set(key, { n: r.n + 1, at: this.now() })
    if (this.readded.size > 1000) this.readded.delete(this.readded.keys().next().value!)
    return true
  }

  /**
   * A planned flow (post waiting on its compress child) is stuck when either failed for good;
   * remove both so the batch is planned again from SQLite, L1 and the sequencer.
   * Answers whether a live post job for `index` remains.
   */
  private async liveFlow(index: bigint): Promise<boolean> {
    const post = await this.queues.post.getJob(jobId(index))
    if (!post) return false
    const compress = await this.queues.compress.getJob(jobId(index))
    const postState = await post.getState()
    const stuck =
      postState === 'failed' ||
      (postState === 'waiting-children' &&
        compress !== undefined &&
        (await compress.getState()) === 'failed')
    if (!stuck || this.d.store.get(index)) return true
    if (!this.mayReadd(`flow/${index}`)) return true
    this.d.log.warn(
      { batch: String(index), err: compress?.failedReason ?? post.failedReason },
      'batch flow failed for good: planning it again',
    )
    await post.remove({ removeChildren: true })
    await (await this.queues.compress.getJob(jobId(index)))?.remove().catch(() => {})
    this.tails.delete(index + 1n)
    this.planned.delete(index)
    return false
  }

  /** One pass of the control loop: every open batch has its job, and the next batch is being planned. */
  async supervise(): Promise<void> {
    const client = await this.queues.plan.client
    if ((await client.get(this.redisKeySync())) !== this.epoch) {
      this.d.log.warn('queue state in Redis is gone or foreign: reconciling from SQLite and L1')
      await this.reconcile()
    }
    // read our records BEFORE L1: a batch confirmed while rollupHead() is in flight is not
    // "missing on L1" just because the head we read predates it
    const recent = this.d.store.all().slice(-64)
    let head: RollupHead
    try {
      head = await this.d.l1.rollupHead()
      this.d.metrics.l1Up.set(1)
    } catch (e) {
      this.d.metrics.l1Up.set(0)
      throw e
    }
    this.l1Head = head
    const rolledBack = await this.missingOnL1(head, recent)
    const rec = await this.recover(head, rolledBack)
    const open = this.d.store.open()
    for (const b of open) {
      if (b.status === 'planned')
        await this.ensure(this.queues.post, jobId(b.batchIndex), 'post', {
          batchIndex: String(b.batchIndex),
        })
      else
        await this.ensure(this.queues.confirm, jobId(b.batchIndex), 'confirm', {
          batchIndex: String(b.batchIndex),
        })
    }
    const last = this.d.store.last()
    let next =
      last && last.batchIndex + 1n > head.nextBatchIndex
        ? last.batchIndex + 1n
        : head.nextBatchIndex
    // batches planned but not stored yet (compressing): the next one is planned on top of
    // them, so the compress child never waits for planning (at most maxPendingTxs ahead)
    let ahead = 0
    let live = await this.liveFlow(next)
    while (live && this.tails.has(next + 1n) && ahead + open.length < this.o.maxPendingTxs) {
      ahead++
      next++
      live = await this.liveFlow(next)
    }
    if (
      rec.kind !== 'wait' &&
      rec.kind !== 'halt' &&
      open.length + ahead < this.o.maxPendingTxs &&
      !live
    )
      await this.ensure(this.queues.plan, `plan-${next}`, 'plan', { batchIndex: String(next) })
    await this.updateBacklog(last?.lastBlock ?? head.lastCommittedBlock, open)
  }

  /**
   * Records we counted confirmed that L1 no longer holds. Without a receipt an L1 reorg dropped
   * the commit: re-open it (re-broadcast). With its successful receipt still there, the owner
   * rolled L1 back (revertBatches): re-sending cannot help, recovery re-plans; returns those.
   */
  private async missingOnL1(head: RollupHead, records: BatchRecord[]): Promise<Set<bigint>> {
    const rolledBack = new Set<bigint>()
    for (const b of records) {
      if (b.status !== 'confirmed' || b.batchIndex < head.nextBatchIndex) continue
      const r = b.minedTxHash ? await this.d.l1.receipt(b.minedTxHash) : null
      if (r?.status === 'success') {
        rolledBack.add(b.batchIndex)
        continue
      }
      this.d.log.warn({ batch: String(b.batchIndex) }, 'confirmed batch missing on L1: re-posting')
      this.d.store.reopen(b.batchIndex)
      this.d.metrics.reorgs.inc()
    }
    return rolledBack
  }

  /** After a reverted commit or an L1 rollback: wait, halt, or drop our batches past L1 and plan again. */
  private async recover(head: RollupHead, rolledBack: Set<bigint>): Promise<Recovery> {
    const mine = this.d.store.from(head.nextBatchIndex)
    const rec = decideRecovery({
      l1: head,
      batches: mine.map((b) => ({
        index: b.batchIndex,
        status: b.status,
        parentRoot: b.parentRoot,
        firstBlock: b.firstBlock,
        depositCursorStart: b.depositCursorStart,
        ...(rolledBack.has(b.batchIndex) ? { receipt: 'success' as const } : {}),
      })),
      nowMs: this.now(),
      ...(this.halt ? { halt: this.halt } : {}),
      retried: this.retried,
      retryBaseMs: this.o.revertRetryMs ?? 60_000,
    })
    if (rec.kind !== this.recovery.kind)
      this.d.log[rec.kind === 'none' ? 'info' : 'error'](
        { recovery: rec.kind, ...('reason' in rec ? { reason: rec.reason } : {}) },
        rec.kind === 'none' ? 'posting resumes' : 'not posting past L1',
      )
    this.recovery = rec
    this.d.metrics.halted.set(rec.kind === 'halt' ? 1 : 0)
    if (rec.kind === 'halt') {
      if (this.halt?.index !== rec.index) this.halt = { index: rec.index, sinceMs: this.now() }
      this.wake(Math.max(1, rec.retryAtMs - this.now()))
    }
    if (rec.kind === 'replan') {
      if (this.halt) this.retried++
      this.halt = undefined
      await this.dropFrom(rec.from, mine.at(-1)?.batchIndex ?? rec.from)
      this.recovery = { kind: 'none' }
      this.d.metrics.halted.set(0)
    }
    return this.recovery
  }

  /** Forget our batches from `from` on (kept in dropped_* tables) and every job of theirs. */
  private async dropFrom(from: bigint, last: bigint): Promise<void> {
    const gone = this.d.store.dropFrom(from)
    this.tails.clear()
    this.planned.clear()
    this.d.metrics.replans.inc()
    this.d.log.warn(
      { from: String(from), dropped: gone.map(String) },
      'dropped our batches past L1: planning again from the L1 tip',
    )
    // flows planned on top of the dropped records too (postJob also refuses a stale plan)
    const upTo = last + BigInt(this.o.maxPendingTxs) + 2n
    for (let i = from; i <= upTo; i++) {
      this.d.txm.forget(i)
      const id = jobId(i)
      const rm = async (q: Queue, jid: string) => {
        const j = await q.getJob(jid)
        await j?.remove({ removeChildren: true }).catch(() => {})
      }
      await rm(this.queues.post, id)
      await rm(this.queues.compress, id)
      await rm(this.queues.confirm, id)
      await rm(this.queues.plan, `plan-${i}`)
      this.readded.delete(`post/${id}`)
      this.readded.delete(`confirm/${id}`)
      this.readded.delete(`flow/${i}`)
    }
  }

  private async updateBacklog(
    lastBatched: bigint,
    open: ReturnType<BatchStore['open']>,
  ): Promise<void> {
    const sealed = (await this.d.source.syncStatus()).sealedHead
    const blocks = sealed > lastBatched ? Number(sealed - lastBatched) : 0
    // the unbatched blocks' own sizes: an estimate from earlier batches' bytes per block was
    // 0 when those held only empty blocks, and the throttle then never turned on
    let bytes = Math.round((await this.cache.backlogBytes(lastBatched, sealed)) * this.ratio)
    for (const b of open) if (b.status === 'planned') bytes += b.payload?.length ?? 0
    this.d.metrics.backlogBlocks.set(blocks)
    this.d.metrics.backlogBytes.set(bytes)
    const want = shouldThrottle(this.throttling, { blocks, bytes }, this.o.throttle)
    // re-sent while on: a restarted sequencer forgets the limit
    if (want !== this.throttling || (want && this.now() - this.throttleSentMs > 10_000)) {
      if (want !== this.throttling)
        this.d.log.info({ on: want, backlogBytes: bytes }, 'throttle signal to sequencer')
      await this.d.source.setThrottle({
        maxBlockTxBytes: want ? this.o.throttle.maxBlockBytes : null,
      })
      this.throttleSentMs = this.now()
      this.throttling = want
      this.d.metrics.throttling.set(want ? 1 : 0)
    }
  }

  /**
   * Where batch `index` starts: the end of our record of the previous batch, else (planning
   * only, `planned`) the end of the previous batch as planned while it still compresses, else
   * L1's tip when L1 expects exactly this index.
   */
  private async batchStart(index: bigint, planned = false): Promise<BatchStart> {
    const prev = this.d.store.get(index - 1n)
    if (prev)
      return {
        batchIndex: index,
        firstBlock: prev.lastBlock + 1n,
        parentRoot: prev.postRoot,
        depositCursor: prev.depositCursorEnd,
      }
    const tail = planned ? this.tails.get(index) : undefined
    if (tail) return tail
    const head = await this.d.l1.rollupHead()
    if (head.nextBatchIndex !== index)
      throw new ReconcileError(
        `cannot start batch ${index}: no record of batch ${index - 1n} and L1 expects ${head.nextBatchIndex}`,
      )
    return {
      batchIndex: index,
      firstBlock: head.lastCommittedBlock + 1n,
      parentRoot: head.lastStateRoot,
      depositCursor: head.lastDepositCursor,
    }
  }

  private async delay(job: Job, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(this.now() + ms, token)
    throw new DelayedError()
  }

  /**
   * When a block was sealed, for the max-delay rule: its timestamp, unless that is ahead of our
   * clock. Timestamps rise by at least 1 s per block, so with sub-second block times under load
   * they run ahead of wall time, and a batch would wait for the clock to catch up (1 block/s).
   */
  private sealedAt(number: bigint, timestamp: bigint): number {
    const ts = Number(timestamp) * 1000
    const seen = this.firstSeen.get(number)
    if (seen !== undefined) return Math.min(seen, ts)
    const now = this.now()
    if (ts <= now) return ts
    this.firstSeen.set(number, now)
    return now
  }

  private async planJob(job: Job): Promise<string> {
    const index = BigInt(job.data.batchIndex)
    if (this.d.store.get(index) || (await this.queues.post.getJob(jobId(index)))) return 'exists'
    const start = await this.batchStart(index, true)
    for (const n of this.firstSeen.keys()) if (n < start.firstBlock) this.firstSeen.delete(n)
    this.cache.trim(start.firstBlock - 1n)
    const sealed = (await this.d.source.syncStatus()).sealedHead
    const params: PlanParams = {
      ...this.o.plan,
      maxDelayMs: closeAfterMs(this.o.plan.maxDelayMs, this.sendMs),
      compressionRatio: this.ratio,
    }
    const chunk = BigInt(this.o.fetchChunk ?? 64)
    const limit = start.firstBlock + BigInt(this.o.plan.maxBlocks) - 1n
    const blocks: SealedBlock[] = []
    let from = start.firstBlock
    for (;;) {
      const to = [sealed, limit, from + chunk - 1n].reduce((a, b) => (a < b ? a : b))
      if (to >= from) blocks.push(...(await this.cache.range(from, to)))
      const decision = planNextBatch(
        blocks.map((b) => ({
          number: b.header.number,
          rawBytes: rawBytesOf(b),
          sealedAtMs: this.sealedAt(b.header.number, b.header.timestamp),
        })),
        params,
        this.now(),
      )
      if (decision.kind === 'batch') {
        const chosen = blocks.slice(0, Number(decision.lastBlock - decision.firstBlock + 1n))
        const end = chosen.at(-1)!.header
        this.tails.set(index + 1n, {
          batchIndex: index + 1n,
          firstBlock: end.number + 1n,
          parentRoot: end.stateRoot,
          depositCursor: end.depositCursor,
        })
        this.planned.set(index, {
          ...({} as BatchRecord),
          batchIndex: index,
          firstBlock: start.firstBlock,
          lastBlock: end.number,
          postRoot: end.stateRoot,
          status: 'planned',
        })
        const context = await this.contexts.contextFor(index)
        await this.flow.add({
          name: 'post',
          queueName: 'post',
          data: {
            batchIndex: String(index),
            firstBlock: String(start.firstBlock),
            parentRoot: start.parentRoot,
          },
          opts: { jobId: jobId(index), ...RETRY },
          children: [
            {
              name: 'compress',
              queueName: 'compress',
              data: compressJobData(this.o.l2ChainId, start, chosen, this.o.withBlobs, context),
              opts: {
                jobId: jobId(index),
                attempts: 3,
                backoff: { type: 'exponential', delay: 500 },
              },
            },
          ],
        })
        this.d.log.info(
          {
            batch: String(index),
            first: String(decision.firstBlock),
            last: String(decision.lastBlock),
            reason: decision.reason,
          },
          'planned batch',
        )
        // plan the next batch now if its blocks are there (overlaps this one's compression)
        this.wake()
        return decision.reason
      }
      from = to + 1n
      if (decision.reason === 'no-blocks' || from > sealed || from > limit) {
        // close the batch the moment its max delay is due, not at the next poll
        if (decision.reason === 'below-target') this.wake(decision.retryInMs)
        return 'wait'
      }
    }
  }

  private async postJob(job: Job, token?: string): Promise<string> {
    const index = BigInt(job.data.batchIndex)
    let b = this.d.store.get(index)
    if (!b) {
      // planned on top of a batch still compressing: store in order, after its record
      if (
        index > (this.l1Head?.nextBatchIndex ?? 0n) &&
        !this.d.store.get(index - 1n) &&
        this.tails.has(index)
      )
        return this.delay(job, token, Math.min(100, this.o.pollIntervalMs))
      const values = Object.values(await job.getChildrenValues()) as CompressJobResult[]
      const r = values[0]
      if (!r) throw new UnrecoverableError(`batch ${index}: compress result missing`)
      // encoded against the address lists of predecessors that were replaced since
      if (
        r.contextHash !== undefined &&
        r.contextHash !== EMPTY_BATCH_CONTEXT.hash &&
        r.contextHash !== (await this.contexts.contextFor(index)).hash
      )
        throw new UnrecoverableError(`batch ${index}: its address table changed since planning`)
      const start = await this.batchStart(index)
      // planned on records that were dropped since (L1 rejected or rolled them back)
      if (
        job.data.firstBlock !== undefined &&
        (BigInt(job.data.firstBlock) !== start.firstBlock ||
          job.data.parentRoot !== start.parentRoot)
      )
        throw new UnrecoverableError(`batch ${index}: planned on a chain that was dropped`)
      const compressedStart = start.firstBlock
      const payload = Buffer.from(r.payload.slice(2), 'hex')
      this.d.store.db.transaction(() => {
        this.d.store.insertPlanned({
          batchIndex: index,
          firstBlock: compressedStart,
          lastBlock: BigInt(r.lastBlock),
          parentRoot: start.parentRoot,
          postRoot: r.postRoot,
          depositCursorStart: start.depositCursor,
          depositCursorEnd: BigInt(r.depositCursorEnd),
          l1OriginFirst: BigInt(r.l1OriginFirst),
          l1OriginLast: BigInt(r.l1OriginLast),
          txCount: r.txCount,
          rawBytes: r.rawBytes,
          firstSeenMs: this.now(),
          createdAtMs: this.now(),
        })
        this.d.store.setPayload(index, payload, r.kzg)
      })()
      this.ratio = updateCompressionRatio(this.ratio, r.rawBytes, payload.length)
      this.d.store.setMeta('compression_ratio', String(this.ratio))
      crashPoint('planned')
      b = this.d.store.get(index)!
      this.tails.delete(index)
      this.planned.delete(index)
      this.wake()
    }
    if (b.status === 'failed') throw new UnrecoverableError(`batch ${index} failed: ${b.error}`)
    if (b.status !== 'planned') {
      await this.ensure(this.queues.confirm, jobId(index), 'confirm', { batchIndex: String(index) })
      return 'already-sent'
    }
    // after a revert or an L1 rollback nothing goes out until recovery re-planned
    if (this.recovery.kind !== 'none' || this.d.store.failedBefore(index) !== undefined)
      return this.delay(job, token, this.o.pollIntervalMs)
    // nonces follow batch order: the previous batch must have gone out first
    const prev = this.d.store.get(index - 1n)
    if (prev && prev.status === 'planned') return this.delay(job, token, this.o.pollIntervalMs)
    const inFlight = this.d.store.open().filter((x) => x.status === 'sent').length
    if (inFlight >= this.o.maxPendingTxs) return this.delay(job, token, this.o.pollIntervalMs)
    const res = await this.d.txm.send(index)
    // first try of a fresh flow: its age is what planning → compress → post took
    if (res === 'sent' && job.attemptsMade === 0) {
      this.sendMs = nextSendMs(this.sendMs, this.now() - job.timestamp)
      this.d.store.setMeta('send_ms', String(Math.round(this.sendMs)))
    }
    if (res === 'capped') {
      this.d.log.warn({ batch: String(index) }, 'L1 fees above the cap: waiting')
      return this.delay(job, token, this.o.pollIntervalMs * 4)
    }
    await this.ensure(this.queues.confirm, jobId(index), 'confirm', { batchIndex: String(index) })
    return res
  }

  private async confirmJob(job: Job, token?: string): Promise<string> {
    const index = BigInt(job.data.batchIndex)
    let r: Awaited<ReturnType<TxManager['check']>>
    try {
      r = await this.d.txm.check(index)
    } catch (e) {
      if (e instanceof CommitRevertedError) {
        this.d.metrics.revertedCommits.inc()
        this.d.log.error({ batch: String(index), err: e.message }, 'commit reverted on L1')
        this.wake()
      }
      if (
        e instanceof CommitRevertedError ||
        e instanceof BatchSelfCheckError ||
        e instanceof ReconcileError
      )
        throw new UnrecoverableError((e as Error).message)
      throw e
    }
    if (r === 'confirmed') {
      this.retried = 0
      return r
    }
    if (r === 'failed') throw new UnrecoverableError(`batch ${index} failed`)
    if (r === 'unsent') {
      await this.ensure(this.queues.post, jobId(index), 'post', { batchIndex: String(index) })
      return r
    }
    return this.delay(job, token, this.o.pollIntervalMs)
  }

  /** for /readyz and tests */
  status(): {
    reconciled: boolean
    l1Head: RollupHead | undefined
    throttling: boolean
    ratio: number
    recovery: Recovery
  } {
    return {
      recovery: this.recovery,
      reconciled: this.reconciled,
      l1Head: this.l1Head,
      throttling: this.throttling,
      ratio: this.ratio,
    }
  }
}
