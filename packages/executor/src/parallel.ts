import os from 'node:os'
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import {
  type Account,
  type Address,
  type BlockEnv,
  DEPOSIT_TX_TYPE,
  type Hex,
  type L2Tx,
  LanesError,
  type StateReader,
} from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { answer, type ReadRequest } from './channel.js'
import { decodeResult, encodeRun, peekResult, type ResultMsg } from './codec.js'
import { acquireEvmContext, type EvmContext, releaseEvmContext } from './evm-context.js'
import { executeBlockAsync, txEnv } from './execute-block.js'
import { type BlockPlan, planBlock } from './independence.js'
import { MultiVersion } from './mv.js'
import { SlotPredictor } from './predict.js'
import { runTx, type TxEnv, type TxOutcome } from './run-tx.js'
import type { BlockResult, ExecutorConfig } from './types.js'
import type { FromWorker, ToWorker, WireEnv } from './worker.js'
import {
  EMPTY_WRITES,
  type FeeDeltas,
  type ReadSet,
  snapshotWrites,
  type WriteSet,
} from './write-set.js'

export class ParallelExecutorError extends LanesError {
  override name = 'ParallelExecutorError'
}

export type ParallelExecutorOptions = {
  /** worker threads; default: the number of cores */
  workers?: number
  /** blocks with fewer EVM txs than this run sequentially in the calling thread */
  minParallelTxs?: number
  /** a worker silent for this long on one tx is replaced and the tx redone */
  txTimeoutMs?: number
  /** above this share of re-executions (after 64 commits) the rest of the block runs sequentially */
  maxReexecutionRate?: number
  /** how far past the commit frontier speculation may run */
  window?: number
  /** txs queued per worker (the next start without waiting for this thread; sent together) */
  depth?: number
  /**
   * In blocks whose predicted keys are disjoint (see planBlock), the calling thread executes
   * from the front while workers take runs of up to this many txs from the back, one
   * message per run (two runs queued per worker).
   */
  runLength?: number
  /**
   * workers that take runs in independent blocks; default: cores − 1 (at least 1), since the
   * calling thread executes too and one more thread than cores only adds hand-off work
   */
  independentWorkers?: number
  /**
   * blocks where one predicted key (a storage slot, a sender) is touched by at least this
   * share of the txs run sequentially on the calling thread
   */
  maxKeyShare?: number
}

const WORKER_URL = new URL('./worker.mjs', import.meta.url)
const NO_FEES: FeeDeltas = { base: 0n, priority: 0n, l1: 0n }

type Handle = {
  worker: Worker
  port: MessagePort
  cells: Int32Array
  alive: boolean
  /** its module graph is loaded: the hang clock only runs from here */
  ready: boolean
  lastActivity: number
  /** txs sent to it in order; the first one is executing */
  running: number[]
  timer: NodeJS.Timeout | undefined
  updates: Array<[number, WriteSet, FeeDeltas]>
  hotSent: number
  /** base accounts and slots already pushed to it this block */
  primed: Set<string>
  /** txs of this block already sent to it */
  sent: Uint8Array
  /** txs to go with the next run message */
  outTxs: Array<[number, L2Tx]>
  onRequest: ((req: ReadRequest) => void) | undefined
  onResult: ((m: FromWorker) => void) | undefined
  onDeath: (() => void) | undefined
  onReady: (() => void) | undefined
}

function wire(env: BlockEnv): WireEnv {
  const { blockHash: _drop, ...rest } = env
  return rest
}

function spawn(): Handle {
  const worker = new Worker(WORKER_URL)
  const { port1, port2 } = new MessageChannel()
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const h: Handle = {
    worker,
    port: port1,
    cells,
    alive: true,
    ready: false,
    lastActivity: 0,
    running: [],
    timer: undefined,
    updates: [],
    hotSent: 0,
    primed: new Set(),
    sent: new Uint8Array(0),
    outTxs: [],
    onRequest: undefined,
    onResult: undefined,
    onDeath: undefined,
    onReady: undefined,
  }
  worker.postMessage({ type: 'init', port: port2, cells } satisfies ToWorker, [port2])
  port1.on('message', (req: ReadRequest) => {
    h.lastActivity = performance.now()
    h.onRequest?.(req)
  })
  worker.on('message', (m: FromWorker | { type: 'ready' }) => {
    h.lastActivity = performance.now()
    if (m.type === 'ready') {
      h.ready = true
      h.onReady?.()
    } else h.onResult?.(m)
  })
  const dead = () => {
    if (!h.alive) return
    h.alive = false
    port1.close()
    h.onDeath?.()
  }
  worker.on('exit', dead)
  worker.on('error', dead)
  return h
}

function fees(o: TxOutcome): FeeDeltas {
  return o.ok ? { base: o.baseFee, priority: o.priorityFee, l1: o.l1Fee } : NO_FEES
}

function sameAccount(a: Account | undefined, b: Account | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.nonce === b.nonce && a.balance === b.balance && a.codeHash === b.codeHash
}

function isEvmLike(tx: L2Tx): boolean {
  return tx.type === DEPOSIT_TX_TYPE || tx.to === null || tx.data.length > 0
}

/**
 * Optimistic parallel execution in the style of Block-STM. Workers execute txs
 * speculatively against a replica of multi-version memory (the latest write of every
 * lower tx, else the base state, read on demand from this thread) and return read and
 * write sets. This thread commits in block order: a tx whose reads all equal the
 * committed state is final; one that does not is re-executed here, on the committed
 * state, so it is right the second time. Keys that caused a failed validation become
 * "hot": later reads of them wait for the lower txs still running (the known writers)
 * instead of speculating again. Fee-vault credits are deltas, same-sender txs are
 * dispatched in nonce order, and the result is the sequential one, byte for byte.
 */
export class ParallelExecutor {
  readonly workers: number
  private readonly opts: Required<Omit<ParallelExecutorOptions, 'workers'>>
  private pool: Handle[] = []
  private chain: Promise<unknown> = Promise.resolve()
  private blockId = 0
  private closed = false
  /** learned across blocks: which slots a (contract, selector) call reads */
  private readonly predictor = new SlotPredictor()

  constructor(opts: ParallelExecutorOptions = {}) {
    this.workers = Math.max(1, opts.workers ?? os.cpus().length)
    this.opts = {
      minParallelTxs: opts.minParallelTxs ?? 32,
      txTimeoutMs: opts.txTimeoutMs ?? 30_000,
      maxReexecutionRate: opts.maxReexecutionRate ?? 0.6,
      window: opts.window ?? 512,
      depth: opts.depth ?? 6,
      runLength: opts.runLength ?? 32,
      independentWorkers: opts.independentWorkers ?? Math.max(1, os.cpus().length - 1),
      maxKeyShare: opts.maxKeyShare ?? 0.5,
    }
  }

  execute(
    env: BlockEnv,
    txs: L2Tx[],
    state: StateReader,
    config: ExecutorConfig,
  ): Promise<BlockResult> {
    const next = this.chain.then(() => this.run(env, txs, state, config))
    this.chain = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    this.closed = true
    const pool = this.pool
    this.pool = []
    await Promise.all(
      pool.map((h) => {
        h.onDeath = undefined
        return h.worker.terminate()
      }),
    )
  }

  /** Test hook: make worker `i` hang for `ms` or exit, to prove the result is unchanged. */
  injectFault(i: number, fault: { hang: number } | 'crash'): void {
    const h = this.pool[i]
    if (h === undefined) throw new ParallelExecutorError(`no worker ${i}`)
    h.worker.postMessage(
      (fault === 'crash' ? { type: 'crash' } : { type: 'hang', ms: fault.hang }) satisfies ToWorker,
    )
  }

  /** Starts the pool now instead of on the first block (its start-up costs ~1 s). */
  async warm(): Promise<void> {
    this.ensurePool()
  }

  private ensurePool(): void {
    if (this.closed) throw new ParallelExecutorError('executor is closed')
    this.pool = this.pool.filter((h) => h.alive)
    while (this.pool.length < this.workers) this.pool.push(spawn())
  }

  private async run(
    env: BlockEnv,
    txs: L2Tx[],
    state: StateReader,
    config: ExecutorConfig,
  ): Promise<BlockResult> {
    let evmTxs = 0
    for (const tx of txs) if (isEvmLike(tx)) evmTxs++
    if (evmTxs < this.opts.minParallelTxs) return executeBlockAsync(env, txs, state, config)
    const plan = planBlock(txs, this.predictor)
    // Most of the block queues on one key (a hot counter, one busy sender): speculation can
    // only serialise on it through thread hand-offs, so this thread runs it in order.
    if (plan.maxShare >= this.opts.maxKeyShare) return executeBlockAsync(env, txs, state, config)
    this.ensurePool()
    const run = new BlockRun(
      ++this.blockId,
      env,
      txs,
      state,
      config,
      this.opts,
      this.pool,
      () => spawn(),
      this.predictor,
      plan,
    )
    try {
      return await run.go()
    } finally {
      run.detach()
    }
  }
}

type Result = ResultMsg
/** shorter runs are left to the calling thread (it reaches them before a worker would) */
const MIN_RUN = 4
/** the calling thread lets worker messages in every this many txs it executes itself */
const YIELD_EVERY = 8

class BlockRun {
  private readonly n: number
  private readonly plan: BlockPlan
  private readonly bs: BlockState
  private readonly acc: BlockAccumulator
  private readonly mv: MultiVersion
  private readonly hot: string[] = []
  private readonly hotSet = new Set<string>()
  private readonly results: Array<Result | 'failed' | undefined>
  /** independent blocks: results as received, decoded when the frontier reaches them */
  private readonly raw: Array<string | undefined>
  private readonly incarnation: number[]
  private readonly prevSameSender: Int32Array
  private readonly latest = new Map<number, [WriteSet, FeeDeltas]>()
  private readonly retry: number[] = []
  private readonly waits: Array<{
    h: Handle
    req: Extract<ReadRequest, { kind: 'wait' }>
    counted: boolean
  }> = []
  private nextDispatch = 0
  /** independent blocks: txs at and above this index went to workers */
  private tailNext: number
  /** independent blocks: tx sent to a worker (else this thread executes it on arrival) */
  private readonly assigned: Uint8Array
  private ownRuns = 0
  private frontier = 0
  private reexecutions = 0
  private waitCount = 0
  private draining = false
  private committing = false
  private finished = false
  private readError: { cause: unknown } | undefined
  private ctx: EvmContext | undefined
  private tenv: TxEnv | undefined
  private resolve!: (r: BlockResult) => void
  private reject!: (e: unknown) => void

  constructor(
    private readonly id: number,
    private readonly env: BlockEnv,
    private readonly txs: L2Tx[],
    private readonly state: StateReader,
    private readonly config: ExecutorConfig,
    private readonly opts: Required<Omit<ParallelExecutorOptions, 'workers'>>,
    private readonly pool: Handle[],
    private readonly respawn: () => Handle,
    private readonly predictor: SlotPredictor,
    plan: BlockPlan,
  ) {
    this.n = txs.length
    this.plan = plan
    this.tailNext = this.n
    this.assigned = new Uint8Array(this.n)
    // The EVM turns a throwing host call into a failed tx: a StateReader failure while this
    // thread executes is remembered here and fails the block instead.
    const guard = <T>(read: () => T): T => {
      try {
        return read()
      } catch (e) {
        this.readError ??= { cause: e }
        throw e
      }
    }
    this.bs = new BlockState({
      getAccount: (a) => guard(() => state.getAccount(a)),
      getStorage: (a, k) => guard(() => state.getStorage(a, k)),
      getCode: (h) => guard(() => state.getCode(h)),
    })
    this.acc = new BlockAccumulator(env)
    this.mv = new MultiVersion({
      base: config.baseFeeVault,
      priority: config.priorityFeeVault,
      l1: config.l1FeeVault,
    })
    this.results = new Array(this.n).fill(undefined)
    this.raw = new Array(this.n).fill(undefined)
    this.incarnation = new Array(this.n).fill(0)
    this.prevSameSender = new Int32Array(this.n).fill(-1)
    const last = new Map<string, number>()
    for (let i = 0; i < this.n; i++) {
      const tx = this.txs[i]!
      const p = last.get(tx.from)
      if (p !== undefined) this.prevSameSender[i] = p
      last.set(tx.from, i)
    }
  }

  go(): Promise<BlockResult> {
    return new Promise<BlockResult>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      for (const h of this.pool) this.attach(h)
      this.dispatch()
      // independent blocks: this thread starts on the front right away
      this.commit()
    })
  }

  detach(): void {
    for (const { h, req } of this.waits)
      if (h.alive) answer(h.port, h.cells, req.slot === null ? undefined : 0n)
    this.waits.length = 0
    for (const h of this.pool) {
      if (h.timer) clearTimeout(h.timer)
      h.timer = undefined
      h.running = []
      h.updates = []
      h.hotSent = 0
      h.onResult = h.onDeath = h.onReady = undefined
      // A worker may still be inside a tx of this block, blocked on a read: answer it (and
      // any later read) with placeholders; that result is discarded by block id anyway.
      h.onRequest = (req) =>
        answer(
          h.port,
          h.cells,
          req.kind === 'storage' || (req.kind === 'wait' && req.slot !== null) ? 0n : undefined,
        )
      if (h.alive) h.worker.postMessage({ type: 'end', block: this.id } satisfies ToWorker)
    }
    if (this.ctx) releaseEvmContext(this.ctx)
  }

  private attach(h: Handle): void {
    h.running = []
    // independent blocks: a worker sees only its own writes (cross-talk costs more than
    // the rare re-execution it would save)
    h.updates = this.plan.independent ? [] : [...this.latest].map(([tx, [ws, f]]) => [tx, ws, f])
    h.hotSent = 0
    h.primed = new Set()
    h.sent = new Uint8Array(this.n)
    h.outTxs = []
    h.onRequest = (req) => this.onRequest(h, req)
    h.onResult = (m) => this.onResult(h, m)
    h.onDeath = () => this.onDeath(h)
    h.onReady = () => this.dispatch()
    h.worker.postMessage({
      type: 'begin',
      block: this.id,
      env: wire(this.env),
      n: this.n,
      config: this.config,
    } satisfies ToWorker)
  }

  private fail(e: unknown): void {
    if (this.finished) return
    this.finished = true
    this.reject(e)
  }

  // ---- requests from blocked workers ----

  private onRequest(h: Handle, req: ReadRequest): void {
    try {
      this.serve(h, req)
    } catch (e) {
      // the StateReader failed: unblock the worker, fail the block (never a wrong result)
      answer(h.port, h.cells, undefined)
      this.fail(new ParallelExecutorError('state read failed', { cause: e }))
    }
  }

  private serve(h: Handle, req: ReadRequest): void {
    switch (req.kind) {
      case 'account':
        answer(h.port, h.cells, this.bs.baseAccount(req.address))
        return
      case 'storage':
        answer(h.port, h.cells, this.bs.baseStorage(req.address, req.slot))
        return
      case 'code':
        answer(h.port, h.cells, this.bs.code(req.hash))
        return
      case 'blockHash':
        answer(h.port, h.cells, this.env.blockHash?.(req.n))
        return
      case 'wait':
        this.waits.push({ h, req, counted: false })
        this.answerWaits()
    }
  }

  /** A hot read by tx i is answered once no lower tx is running on another worker. */
  private answerWaits(): void {
    for (let k = 0; k < this.waits.length; k++) {
      const w = this.waits[k]!
      const { h, req } = w
      if (!h.alive) {
        this.waits.splice(k--, 1)
        continue
      }
      if (this.writerRunning(h, req)) {
        if (!w.counted && !this.mv.isVault(req.address)) {
          w.counted = true
          this.waitCount++
        }
        continue
      }
      this.waits.splice(k--, 1)
      const value = this.plan.independent
        ? req.slot === null
          ? this.bs.account(req.address)
          : this.bs.storage(req.address, req.slot)
        : req.slot === null
          ? this.mv.account(req.address, req.tx, (a) => this.bs.baseAccount(a))
          : this.mv.storage(req.address, req.slot, req.tx, (a, s) => this.bs.baseStorage(a, s))
      answer(h.port, h.cells, value)
    }
  }

  /**
   * Is a likely writer of the key running below tx `req.tx` on another worker? Likely
   * writers: a tx calling the contract that owns the key, or one whose earlier execution
   * wrote it; for fee vaults any tx (every tx credits them).
   */
  private writerRunning(h: Handle, req: Extract<ReadRequest, { kind: 'wait' }>): boolean {
    const vault = this.mv.isVault(req.address)
    for (const o of this.pool) {
      if (o === h || !o.alive || o.running.length === 0) continue
      const m = o.running[0]!
      if (m >= req.tx) continue
      if (vault || this.txs[m]!.to === req.address || this.txs[m]!.from === req.address) return true
      const ws = this.latest.get(m)?.[0]
      if (ws === undefined) continue
      if (
        req.slot === null
          ? ws.accounts.has(req.address)
          : ws.storage.get(req.address)?.has(req.slot)
      )
        return true
    }
    return false
  }

  // ---- results ----

  private onResult(h: Handle, raw: FromWorker): void {
    if (raw.block !== this.id || this.finished) return
    if (raw.type === 'failed') this.record(h, raw)
    else if (this.plan.independent)
      // decoded at commit: short-lived objects, where a backlog of decoded results would
      // live long enough to be promoted and cost major GCs on this thread
      for (const data of raw.data) this.record(h, { type: 'raw', data, ...peekResult(data) })
    else for (const data of raw.data) this.record(h, { type: raw.type, ...decodeResult(data) })
    this.answerWaits()
    this.commit()
    this.dispatch()
  }

  private record(
    h: Handle,
    m:
      | (Result & { type: 'result' })
      | { type: 'raw'; tx: number; incarnation: number; data: string }
      | Extract<FromWorker, { type: 'failed' }>,
  ): void {
    const at = h.running.indexOf(m.tx)
    if (at >= 0) h.running.splice(at, 1)
    if (h.running.length === 0 && h.timer) {
      clearTimeout(h.timer)
      h.timer = undefined
    }
    if (
      m.incarnation === this.incarnation[m.tx] &&
      this.results[m.tx] === undefined &&
      this.raw[m.tx] === undefined
    ) {
      if (m.type === 'failed') this.results[m.tx] = 'failed'
      else if (m.type === 'raw') this.raw[m.tx] = m.data
      else this.accept(m, h)
    }
  }

  private accept(m: Result, producer?: Handle): void {
    this.results[m.tx] = m
    // the worker already holds its own write set: no echo back to it
    this.publish(m.tx, m.writes, fees(m.outcome), producer)
    this.predictor.learn(this.txs[m.tx]!, m.reads)
  }

  private publish(tx: number, ws: WriteSet, f: FeeDeltas, producer?: Handle): void {
    // independent blocks publish in commit order only: the committed state says it all
    if (this.plan.independent) return
    this.mv.set(tx, ws, f)
    this.latest.set(tx, [ws, f])
    for (const h of this.pool) if (h.alive && h !== producer) h.updates.push([tx, ws, f])
  }

  private onDeath(h: Handle): void {
    if (this.finished) return
    if (h.timer) clearTimeout(h.timer)
    for (const tx of h.running) {
      this.incarnation[tx] = this.incarnation[tx]! + 1
      // independent blocks: this thread executes it when the frontier gets there
      if (this.plan.independent) this.assigned[tx] = 0
      else if (this.results[tx] === undefined) this.retry.push(tx)
    }
    h.running = []
    const at = this.pool.indexOf(h)
    try {
      const fresh = this.respawn()
      if (at >= 0) this.pool[at] = fresh
      else this.pool.push(fresh)
      this.attach(fresh)
    } catch (e) {
      this.fail(e)
      return
    }
    this.answerWaits()
    this.commit()
    this.dispatch()
  }

  // ---- dispatch ----

  private nextTx(): number {
    this.retry.sort((a, b) => a - b)
    while (this.retry.length > 0) {
      const tx = this.retry.shift()!
      if (tx >= this.frontier && this.results[tx] === undefined) return tx
    }
    if (this.draining) return -1
    while (this.nextDispatch < this.n && this.nextDispatch < this.frontier) this.nextDispatch++
    const i = this.nextDispatch
    if (i >= this.n || i >= this.frontier + this.opts.window) return -1
    const p = this.prevSameSender[i]!
    // same sender: the previous tx must have run first (its nonce bump is our input)
    if (p >= this.frontier && this.results[p] === undefined) return -1
    this.nextDispatch++
    return i
  }

  private dispatch(): void {
    if (this.finished) return
    try {
      this.dispatchRound()
    } catch (e) {
      // prefetching base values read the StateReader, and it failed: fail the block
      this.fail(new ParallelExecutorError('state read failed', { cause: e }))
    }
  }

  private dispatchRound(): void {
    if (this.plan.independent) {
      this.dispatchTail()
      return
    }
    for (const h of this.pool) {
      // several txs per worker: the next ones are queued there before the current one ends,
      // and all txs sent in one round travel in one message
      const batch: string[] = []
      while (h.alive && h.ready && h.running.length < this.opts.depth) {
        const tx = this.nextTx()
        if (tx < 0) break
        h.running.push(tx)
        batch.push(this.runMsg(h, tx))
      }
      this.send(h, batch)
    }
  }

  private runMsg(h: Handle, tx: number): string {
    const txv = this.txs[tx]!
    if (h.sent[tx] === 0) {
      h.sent[tx] = 1
      h.outTxs.push([tx, txv])
    }
    const m = encodeRun({
      block: this.id,
      tx,
      incarnation: this.incarnation[tx]!,
      updates: h.updates,
      hot: this.hot.slice(h.hotSent),
      base: this.prime(h, txv),
      slots: this.primeSlots(h, tx, txv),
    })
    h.updates = []
    h.hotSent = this.hot.length
    return m
  }

  private send(h: Handle, batch: string[]): void {
    if (batch.length === 0) return
    const txs = h.outTxs
    h.outTxs = []
    h.worker.postMessage({ type: 'run', data: batch, txs } satisfies ToWorker)
    h.lastActivity = performance.now()
    if (h.timer === undefined) this.watch(h)
  }

  /**
   * Independent blocks: workers take runs from the back of the block (each run in block
   * order, one message), while this thread executes from the front on the committed state
   * (exact, nothing to ship or validate). Runs shrink as the two ends meet, so this thread
   * seldom waits for a worker; what no worker took, this thread executes.
   */
  private dispatchTail(): void {
    const takers = this.pool.slice(0, this.opts.independentWorkers)
    const parties = takers.length + 1
    for (const h of takers) {
      const batch: string[] = []
      // two runs queued: the next one is there when the worker finishes the current one (this
      // thread reads worker messages only between its own txs)
      while (h.alive && h.ready && h.running.length < 2 * this.opts.runLength) {
        const hi = this.tailNext
        const gap = hi - this.frontier
        const len = Math.min(this.opts.runLength, Math.floor(gap / (2 * parties)))
        if (len < MIN_RUN) break
        this.tailNext = hi - len
        for (let tx = hi - len; tx < hi; tx++) {
          this.assigned[tx] = 1
          h.running.push(tx)
          batch.push(this.runMsg(h, tx))
        }
      }
      this.send(h, batch)
    }
  }

  /** Sender and recipient base accounts every tx reads: sent along, saving two round trips. */
  private prime(h: Handle, tx: L2Tx): Array<[Address, Account | undefined]> {
    const out: Array<[Address, Account | undefined]> = []
    for (const a of [tx.from, tx.to]) {
      if (a === null || h.primed.has(a)) continue
      h.primed.add(a)
      out.push([a, this.bs.baseAccount(a)])
    }
    return out
  }

  /** Base values of the slots the tx is predicted to read (see SlotPredictor). */
  private primeSlots(h: Handle, i: number, tx: L2Tx): Array<[Address, Hex, bigint]> {
    const out: Array<[Address, Hex, bigint]> = []
    // planned at the start of the block; a pattern learned since then is asked again
    const planned = this.plan.slots[i]!
    for (const [a, k] of planned.length > 0 ? planned : this.predictor.predict(tx)) {
      const id = a + k
      if (h.primed.has(id)) continue
      h.primed.add(id)
      out.push([a, k, this.bs.baseStorage(a, k)])
    }
    return out
  }

  /** A busy worker silent (no reads, no result) for txTimeoutMs is hung: replace it. */
  private watch(h: Handle): void {
    if (h.timer) clearTimeout(h.timer)
    const left = h.lastActivity + this.opts.txTimeoutMs - performance.now()
    h.timer = setTimeout(
      () => {
        h.timer = undefined
        if (!h.alive || h.running.length === 0 || this.finished) return
        if (performance.now() - h.lastActivity < this.opts.txTimeoutMs) this.watch(h)
        else h.worker.terminate().catch(() => undefined)
      },
      Math.max(1, left),
    )
  }

  // ---- commit in block order ----

  private validate(reads: ReadSet): boolean {
    let ok = true
    for (const [a, v] of reads.accounts)
      if (!sameAccount(this.bs.account(a), v)) {
        ok = false
        this.markHot(a)
      }
    for (const [a, m] of reads.storage)
      for (const [k, v] of m)
        if (this.bs.storage(a, k) !== v) {
          ok = false
          this.markHot(a + k)
        }
    return ok
  }

  private markHot(key: string): void {
    if (this.hotSet.has(key) || this.hotSet.size > 4096) return
    this.hotSet.add(key)
    this.hot.push(key)
  }

  private commit(): void {
    if (this.committing || this.finished) return
    this.committing = true
    this.commitLoop()
      .catch((e) => this.fail(e))
      .finally(() => {
        this.committing = false
      })
  }

  private async commitLoop(): Promise<void> {
    while (this.frontier < this.n) {
      const f = this.frontier
      const tx = this.txs[f]!
      const raw = this.raw[f]
      if (raw !== undefined && this.results[f] === undefined) {
        this.raw[f] = undefined
        this.accept(decodeResult(raw))
      }
      let r = this.results[f]
      let own = false
      if (r === undefined) {
        // Draining (too many conflicts), or an independent block's tx no worker took: run it
        // here, in order.
        own = this.plan.independent && this.assigned[f] === 0
        if (!this.draining && !own) break
        this.incarnation[f] = this.incarnation[f]! + 1
        r = 'failed'
      }
      if (!this.acc.fits(tx)) {
        this.acc.reject(f, tx, 'gas limit reached')
        if (this.latest.has(f)) this.publish(f, EMPTY_WRITES, NO_FEES)
      } else if (r !== 'failed' && this.validate(r.reads)) {
        this.apply(f, tx, r.outcome, r.writes)
      } else {
        if (r !== 'failed') this.reexecutions++
        await this.executeHere(f, tx)
        // let worker results and read requests in now and then
        if (own && ++this.ownRuns % YIELD_EVERY === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve))
          if (this.finished) return
        }
      }
      this.frontier++
      const done = this.frontier
      // Too many conflicts, or most txs queue on hot keys anyway: finish sequentially here.
      if (
        !this.draining &&
        done >= 64 &&
        (this.reexecutions / done > this.opts.maxReexecutionRate || this.waitCount / done > 0.5)
      )
        this.draining = true
    }
    this.answerWaits()
    if (this.frontier >= this.n && !this.finished) {
      this.finished = true
      const result = this.acc.finish(this.bs.toDiff(), 'parallel', this.reexecutions)
      result.schedule = this.plan.independent ? 'independent' : 'speculative'
      this.resolve(result)
      return
    }
    this.dispatch()
  }

  private apply(f: number, tx: L2Tx, o: TxOutcome, ws: WriteSet): void {
    if (!o.ok) {
      this.acc.reject(f, tx, o.reason)
      return
    }
    this.bs.applyTx(ws)
    this.bs.credit(this.config.baseFeeVault, o.baseFee)
    this.bs.credit(this.config.priorityFeeVault, o.priorityFee)
    this.bs.credit(this.config.l1FeeVault, o.l1Fee)
    this.acc.include(tx, o)
  }

  /** Executes tx f on the committed state: all lower txs are final, so this is exact. */
  private async executeHere(f: number, tx: L2Tx): Promise<void> {
    if (this.ctx === undefined) {
      this.ctx = acquireEvmContext(this.env.chainId)
      this.tenv = txEnv(this.env, this.config, this.ctx)
    }
    this.ctx.state.reset(this.bs)
    const o = await runTx(tx, this.tenv!)
    if (this.readError !== undefined)
      throw new ParallelExecutorError('state read failed', { cause: this.readError.cause })
    const ws = snapshotWrites(this.ctx.state)
    this.apply(f, tx, o, ws)
    this.publish(f, o.ok ? ws : EMPTY_WRITES, fees(o))
  }
}
