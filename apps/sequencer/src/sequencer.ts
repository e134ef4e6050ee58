import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import {
  type Address,
  type Block,
  type BlockHeader,
  DEPOSIT_TX_TYPE,
  type Genesis,
  type Hex,
  InvalidSenderError,
  type L2Tx,
  type Receipt,
  type RecoveredTx,
  RpcVisibleError,
  SenderRecoveryPool,
  type SignedTx,
  type StateReader,
  toHex,
} from '@lanes/core'
import { type ExecutorConfig, executeBlock, ParallelExecutor } from '@lanes/executor'
import type { Registry } from 'prom-client'
import {
  BlockBuilder,
  checkHeadRoot,
  type DepositSource,
  type ExecuteFn,
  type L1Origin,
  NO_DEPOSITS,
  NO_L1_ORIGIN,
  type SealedBlock,
} from './builder/builder.js'
import { initGenesis } from './builder/genesis.js'
import { throttleAdmin } from './builder/throttle.js'
import { estimateCallGas, executeCall } from './call.js'
import type { Config } from './config.js'
import { Ingress } from './ingress.js'
import { PoolRejectedError } from './mempool/errors.js'
import { effectiveTip, TxPool } from './mempool/pool.js'
import { createNodeMetrics, type NodeMetrics } from './metrics.js'
import type {
  AccountProof,
  BlockRecord,
  BlockSelector,
  BlockState,
  CallRequest,
  CallResult,
  FeeData,
  FeeHistory,
  HeadRef,
  Health,
  LogFilter,
  LogRecord,
  NodeAdmin,
  NodeEventMap,
  NodeLimits,
  OutputAtBlock,
  PoolContent,
  PoolStatus,
  ReceiptRecord,
  SequencerNode,
  StateOverrides,
  SubmitOutcome,
  SyncStatus,
  TxLocation,
  TxRecord,
} from './node.js'
import { JournalWriter } from './store/journal.js'
import { SqliteWorldState } from './store/sqlite-world-state.js'
import { Store } from './store/store.js'
import type { WorldStatePort } from './store/world-state.js'

/** What the L1 follower tells the node; a static stand-in when there is no L1. */
export interface L1View {
  origin(): L1Origin
  deposits: DepositSource
  /** newest L2 blocks covered by batches: posted, committed with confirmations, finalized */
  batchHeads(): { batched: bigint; committed: bigint; finalized: bigint }
  l1Head(): { number: bigint; hash: Hex } | null
}

export const NO_L1: L1View = {
  origin: () => NO_L1_ORIGIN,
  deposits: NO_DEPOSITS,
  batchHeads: () => ({ batched: 0n, committed: 0n, finalized: 0n }),
  l1Head: () => null,
}

export type SequencerOptions = {
  config: Config
  genesis: Genesis
  l1?: L1View
  /** called after each sealed block (the BullMQ publisher hooks in here) */
  onSealed?: (block: SealedBlock) => void
  /** the block loop stopped on an error: the process should exit loudly */
  onHalt?: (error: unknown) => void
  /** start the block loop (default true; tests seal by hand with `sealNext`) */
  autoSeal?: boolean
  registry?: Registry
}

type CachedBlock = {
  header: BlockHeader
  txs: L2Tx[]
  receipts: Receipt[]
  firstLog: number[]
  /** the block's size in bytes, when known without a read */
  size?: number
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as Address
const HEADER_NOT_FOUND = () => new RpcVisibleError(-32000, 'header not found')
const GWEI = 1_000_000_000n

/** The node half of the sequencer: everything behind the JSON-RPC methods. */
export class Sequencer implements SequencerNode {
  readonly chainId: bigint
  readonly limits: NodeLimits
  readonly events = new EventEmitter<NodeEventMap>()
  readonly metrics: Registry
  readonly m: NodeMetrics
  readonly store: Store
  readonly state: WorldStatePort
  readonly pool: TxPool
  readonly journal: JournalWriter
  readonly builder: BlockBuilder
  readonly genesis: Genesis
  readonly #config: Config
  readonly #ingress: Ingress
  readonly #recovery: SenderRecoveryPool | null
  readonly #parallel: ParallelExecutor | null
  readonly #l1: L1View
  readonly #onSealed: ((block: SealedBlock) => void) | undefined
  readonly #recent = new Map<bigint, CachedBlock>()
  readonly #minTip: bigint
  #closing = false
  #closed = false

  private constructor(opts: SequencerOptions) {
    const { config, genesis } = opts
    this.#config = config
    this.genesis = genesis
    this.chainId = genesis.chainId
    this.#l1 = opts.l1 ?? NO_L1
    this.#onSealed = opts.onSealed
    this.m = createNodeMetrics(opts.registry)
    this.metrics = this.m.registry
    this.#minTip = BigInt(config.poolMinTipWei)
    this.limits = {
      maxLogsBlockRange: BigInt(config.maxLogsBlockRange),
      maxLogs: config.maxLogs,
      maxBlockRange: config.maxBlockRange,
      rpcGasCap: BigInt(config.rpcGasCap),
      maxFeeHistory: 1024,
    }

    const dbPath = join(config.dataDir, 'sequencer.db')
    this.store = new Store(dbPath, genesis.chainId)
    try {
      this.state = new SqliteWorldState(this.store.db)
      initGenesis(this.store, this.state, genesis)
      checkHeadRoot(this.store, this.state)
    } catch (error) {
      this.store.close()
      throw error
    }

    const state = this.state
    // one reader per head version, not one (three closures) per admission check
    let headVersion: bigint | undefined
    let headReader: StateReader | undefined
    const head = (): StateReader => {
      const v = state.latestVersion()!
      if (v !== headVersion || !headReader) {
        headVersion = v
        headReader = state.readerAt(v)
      }
      return headReader
    }
    this.pool = new TxPool(
      {
        maxPerAccount: config.poolMaxPerAccount,
        maxQueuedPerAccount: config.poolMaxQueuedPerAccount,
        maxTotal: config.poolMaxTotal,
        minTip: this.#minTip,
        priceBumpPercent: config.poolPriceBumpPercent,
        blockGasLimit: genesis.gasLimit,
      },
      {
        nonce: (a) => head().getAccount(a)?.nonce ?? 0n,
        balance: (a) => head().getAccount(a)?.balance ?? 0n,
      },
    )
    this.journal = new JournalWriter(this.store, { dbPath })
    this.#recovery =
      config.recoveryWorkers > 0 ? new SenderRecoveryPool({ size: config.recoveryWorkers }) : null
    this.#ingress = new Ingress(genesis.chainId, this.#recovery)

    const execConfig: ExecutorConfig = {
      baseFeeVault: genesis.feeVaults.baseFee,
      priorityFeeVault: genesis.feeVaults.priorityFee,
      l1FeeVault: genesis.feeVaults.l1Fee,
      l1BaseFeeScalar: BigInt(config.l1BaseFeeScalar),
      l1BlobBaseFeeScalar: BigInt(config.l1BlobBaseFeeScalar),
    }
    this.#parallel = config.parallelExecution
      ? new ParallelExecutor({ workers: config.executorWorkers })
      : null
    const parallel = this.#parallel
    const execute: ExecuteFn = parallel
      ? (env, txs, st) => parallel.execute(env, txs, st, execConfig)
      : async (env, txs, st) => executeBlock(env, txs, st, execConfig)
    this.#execConfig = execConfig

    this.builder = new BlockBuilder({
      store: this.store,
      state: this.state,
      pool: this.pool,
      journal: this.journal,
      execute,
      origin: () => this.#l1.origin(),
      deposits: config.ignoreDeposits ? NO_DEPOSITS : this.#l1.deposits,
      params: {
        chainId: genesis.chainId,
        gasLimit: genesis.gasLimit,
        minBaseFee: genesis.minBaseFee,
        coinbase: genesis.feeVaults.priorityFee,
        maxDepositsPerBlock: 256,
        maxTimestampDriftS: BigInt(config.maxTimestampDriftS),
        emptyBlockIntervalMs: config.emptyBlockIntervalMs,
      },
      onSealed: (b) => this.#sealed(b),
      onHalt: opts.onHalt,
    })
    this.m.headBlock.set(Number(this.builder.head.number))
    this.admin = config.adminRpc ? throttleAdmin(this.builder) : undefined
    this.#readmit()
  }

  /** lanes_setThrottle and other admin methods; only with --admin-rpc */
  readonly admin: NodeAdmin | undefined

  readonly #execConfig: ExecutorConfig

  /** Opens the database (genesis on first start), checks the head root, re-admits the journal. */
  static open(opts: SequencerOptions): Sequencer {
    const s = new Sequencer(opts)
    if (opts.autoSeal !== false) s.builder.start(opts.config.blockTimeMs)
    return s
  }

  /** Re-admits journaled txs after a restart; drops the ones no longer valid. */
  #readmit(): void {
    const stale: Hex[] = []
    for (const tx of this.store.journalAll()) {
      try {
        this.pool.add(tx)
      } catch {
        stale.push(tx.hash)
      }
    }
    if (stale.length > 0) {
      this.store.transaction(() => this.store.journalDelete(stale))
    }
    this.#updatePoolGauge()
  }

  /** Seals one block now (tests; the loop does this every block time). */
  sealNext(): Promise<SealedBlock | undefined> {
    return this.builder.sealNext()
  }

  #sealed(b: SealedBlock): void {
    const firstLog: number[] = []
    let logs = 0
    for (const r of b.receipts) {
      firstLog.push(logs)
      logs += r.logs.length
    }
    this.#recent.set(b.header.number, {
      header: b.header,
      txs: b.txs,
      receipts: b.receipts,
      firstLog,
      size: b.size,
    })
    if (this.#recent.size > 64) this.#recent.delete(this.#recent.keys().next().value!)
    this.m.sealedBlocks.inc()
    this.m.sealedTxs.inc(b.txs.length)
    this.m.droppedTxs.inc(b.dropped.length)
    this.m.headBlock.set(Number(b.header.number))
    this.m.buildSeconds.observe(b.timings.totalMs / 1000)
    this.m.executeSeconds.observe(b.timings.executeMs / 1000)
    this.m.hashSeconds.observe(b.timings.hashMs / 1000)
    this.m.commitSeconds.observe(b.timings.commitMs / 1000)
    this.m.journalCommits.inc(0)
    this.#updatePoolGauge()
    try {
      this.#onSealed?.(b)
    } catch {
      // publishing is best effort; missed events are re-sent from SQLite
    }
    const record: BlockRecord = {
      header: b.header,
      txHashes: b.txs.map((t) => t.hash),
      size: b.size,
    }
    this.events.emit('newHead', record)
    const logRecords = this.#logsOf(this.#recent.get(b.header.number)!)
    if (logRecords.length > 0) this.events.emit('logs', logRecords)
  }

  #logsOf(c: CachedBlock): LogRecord[] {
    const out: LogRecord[] = []
    let logIndex = 0
    for (let i = 0; i < c.receipts.length; i++) {
      for (const log of c.receipts[i]!.logs)
        out.push({
          ...log,
          blockNumber: c.header.number,
          blockHash: c.header.hash,
          blockTimestamp: c.header.timestamp,
          transactionHash: c.txs[i]!.hash,
          transactionIndex: i,
          logIndex: logIndex++,
        })
    }
    return out
  }

  #updatePoolGauge(): void {
    const s = this.pool.status()
    this.m.poolTxs.set({ kind: 'pending' }, s.pending)
    this.m.poolTxs.set({ kind: 'queued' }, s.queued)
  }

  /** SIGTERM path: finish the block being sealed, flush the journal, close everything. */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return
    this.#closing = true
    await this.builder.stop()
    await this.journal.close()
    await this.#recovery?.close()
    await this.#parallel?.close()
    this.store.close()
    this.#closed = true
  }

  health(): Health {
    const halted = this.builder.halted
    if (halted)
      return { live: false, ready: false, reason: `block builder halted: ${String(halted)}` }
    if (this.#closing) return { live: true, ready: false, reason: 'shutting down' }
    return { live: true, ready: true }
  }

  // ── blocks ────────────────────────────────────────────────────────────────

  headNumber(): bigint {
    return this.builder.head.number
  }

  resolveBlock(selector: BlockSelector): bigint | undefined {
    const head = this.builder.head.number
    if (typeof selector === 'bigint')
      return selector >= 0n && selector <= head ? selector : undefined
    if (typeof selector === 'object') return this.store.numberByHash(selector.hash)
    switch (selector) {
      case 'latest':
      case 'pending':
        return head
      case 'earliest':
        return 0n
      case 'safe':
        return min(this.#l1.batchHeads().committed, head)
      case 'finalized':
        return min(this.#l1.batchHeads().finalized, head)
    }
  }

  #header(n: bigint): BlockHeader | undefined {
    return this.#recent.get(n)?.header ?? this.store.header(n)
  }

  #block(n: bigint): CachedBlock | undefined {
    const hit = this.#recent.get(n)
    if (hit) return hit
    const header = this.store.header(n)
    const txs = this.store.blockTxs(n)
    const receipts = this.store.blockReceipts(n)
    if (!header || !txs || !receipts) return undefined
    const firstLog: number[] = []
    let logs = 0
    for (const r of receipts) {
      firstLog.push(logs)
      logs += r.logs.length
    }
    return { header, txs, receipts, firstLog }
  }

  getBlock(selector: BlockSelector, fullTxs: boolean): BlockRecord | undefined {
    const n = this.resolveBlock(selector)
    if (n === undefined) return undefined
    const hit = this.#recent.get(n)
    if (hit) {
      const record: BlockRecord = {
        header: hit.header,
        txHashes: hit.txs.map((t) => t.hash),
        size: hit.size ?? this.store.blockSummary(n)?.size ?? 0,
      }
      if (fullTxs) record.txs = hit.txs
      return record
    }
    const summary = this.store.blockSummary(n)
    if (!summary) return undefined
    const record: BlockRecord = { ...summary }
    if (fullTxs) record.txs = this.store.blockTxs(n) ?? []
    return record
  }

  // ── transactions, receipts, logs ──────────────────────────────────────────

  #location(header: BlockHeader, index: number): TxLocation {
    return {
      blockHash: header.hash,
      blockNumber: header.number,
      index,
      baseFee: header.baseFeePerGas,
      timestamp: header.timestamp,
    }
  }

  getTransaction(hash: Hex): TxRecord | undefined {
    const pooled = this.pool.get(hash)
    if (pooled) return { tx: pooled, location: null }
    const at = this.store.txLocation(hash)
    if (!at) return undefined
    const cached = this.#recent.get(at.block)
    const tx = cached ? cached.txs[at.index] : this.store.blockTx(at.block, at.index)
    const header = this.#header(at.block)
    if (!tx || !header) return undefined
    return { tx, location: this.#location(header, at.index) }
  }

  getReceipt(hash: Hex): ReceiptRecord | undefined {
    const at = this.store.txLocation(hash)
    if (!at) return undefined
    const b = this.#block(at.block)
    if (!b) return undefined
    return {
      receipt: b.receipts[at.index]!,
      tx: b.txs[at.index]!,
      location: this.#location(b.header, at.index),
      firstLogIndex: b.firstLog[at.index]!,
    }
  }

  getBlockReceipts(selector: BlockSelector): ReceiptRecord[] | undefined {
    const n = this.resolveBlock(selector)
    if (n === undefined) return undefined
    const b = this.#block(n)
    if (!b) return undefined
    return b.receipts.map((receipt, i) => ({
      receipt,
      tx: b.txs[i]!,
      location: this.#location(b.header, i),
      firstLogIndex: b.firstLog[i]!,
    }))
  }

  getLogs(filter: LogFilter): LogRecord[] {
    let from: bigint
    let to: bigint
    if (filter.blockHash) {
      const n = this.store.numberByHash(filter.blockHash)
      if (n === undefined) throw new RpcVisibleError(-32000, 'unknown block')
      from = n
      to = n
    } else {
      const head = this.builder.head.number
      from = this.resolveBlock(filter.fromBlock ?? 'latest') ?? head + 1n
      to = this.resolveBlock(filter.toBlock ?? 'latest') ?? head
      if (typeof filter.toBlock === 'bigint' && filter.toBlock > head) to = head
      if (from > to) {
        if (typeof filter.fromBlock === 'bigint' && filter.fromBlock > head) return []
        throw new RpcVisibleError(-32000, 'invalid block range params')
      }
      if (to - from + 1n > this.limits.maxLogsBlockRange)
        throw new RpcVisibleError(
          -32000,
          `exceed maximum block range: ${this.limits.maxLogsBlockRange}`,
        )
    }
    const topics = filter.topics?.map((t) =>
      t === null ? undefined : Array.isArray(t) ? t.map(lower) : [lower(t)],
    )
    const rows = this.store.queryLogs({
      from,
      to,
      addresses: filter.addresses?.map(lower),
      topics,
      limit: this.limits.maxLogs + 1,
    })
    if (rows.length > this.limits.maxLogs)
      throw new RpcVisibleError(-32005, `query returned more than ${this.limits.maxLogs} results`)
    const headers = new Map<bigint, BlockHeader>()
    return rows.map((r) => {
      let h = headers.get(r.block)
      if (!h) {
        h = this.#header(r.block)!
        headers.set(r.block, h)
      }
      return {
        address: r.address,
        topics: r.topics,
        data: r.data,
        blockNumber: r.block,
        blockHash: h.hash,
        blockTimestamp: h.timestamp,
        transactionHash: r.txHash,
        transactionIndex: r.txIdx,
        logIndex: r.logIndex,
      }
    })
  }

  // ── state ─────────────────────────────────────────────────────────────────

  stateAt(selector: BlockSelector): BlockState {
    const n = this.resolveBlock(selector)
    if (n === undefined) throw HEADER_NOT_FOUND()
    const header = this.#header(n)
    if (!header) throw HEADER_NOT_FOUND()
    const reader = this.state.readerAt(n)
    const pending = selector === 'pending'
    return {
      header,
      getAccount: (a) => reader.getAccount(a),
      getStorage: (a, s) => reader.getStorage(a, s),
      getCode: (h) => reader.getCode(h),
      balance: (a) => reader.getAccount(lower(a))?.balance ?? 0n,
      nonce: (a) =>
        pending ? this.pool.pendingNonce(lower(a)) : (reader.getAccount(lower(a))?.nonce ?? 0n),
      code: (a) => {
        const acct = reader.getAccount(lower(a))
        return acct ? (reader.getCode(acct.codeHash) ?? new Uint8Array(0)) : new Uint8Array(0)
      },
      storageAt: (a, slot) => reader.getStorage(lower(a), lower(slot)),
    }
  }

  pendingNonce(address: Address): bigint {
    return this.pool.pendingNonce(lower(address))
  }

  async proof(address: Address, slots: Hex[], selector: BlockSelector): Promise<AccountProof> {
    const st = this.stateAt(selector)
    const n = st.header.number
    const a = lower(address)
    const acct = this.state.proveAccount(a, n)
    return {
      address: a,
      blockNumber: n,
      stateRoot: st.header.stateRoot,
      account: st.getAccount(a),
      accountProof: toHex(acct.proof),
      accountLeaf: acct.value ? toHex(acct.value) : null,
      storageProof: slots.map((slot) => {
        const key = toHex(padSlot(slot))
        const p = this.state.proveStorage(a, key, n)
        return { key: slot, value: st.getStorage(a, key), proof: toHex(p.proof) }
      }),
    }
  }

  // ── execution without sealing ─────────────────────────────────────────────

  #callContext(selector: BlockSelector, overrides?: StateOverrides) {
    const st = this.stateAt(selector)
    return { header: st.header, state: st as StateReader, overrides }
  }

  call(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<CallResult> {
    const ctx = this.#callContext(selector, overrides)
    return executeCall(request, ctx, this.#callEnv())
  }

  estimateGas(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<bigint> {
    const ctx = this.#callContext(selector, overrides)
    return estimateCallGas(request, ctx, this.#callEnv())
  }

  #callEnv() {
    return {
      chainId: this.chainId,
      gasCap: this.limits.rpcGasCap,
      nextBaseFee: this.builder.nextBaseFee(),
      coinbase: this.genesis.feeVaults.priorityFee,
      execConfig: this.#execConfig,
      blockHash: (n: bigint) => this.#header(n)?.hash,
    }
  }

  // ── fees ──────────────────────────────────────────────────────────────────

  #suggestedTip(): bigint {
    return this.#minTip > GWEI / 1000n ? this.#minTip : GWEI / 1000n
  }

  feeData(): FeeData {
    const nextBaseFee = this.builder.nextBaseFee()
    const suggestedTip = this.#suggestedTip()
    return { nextBaseFee, suggestedTip, gasPrice: nextBaseFee + suggestedTip }
  }

  feeHistory(blockCount: number, newest: BlockSelector, percentiles?: number[]): FeeHistory {
    const last = this.resolveBlock(newest)
    if (last === undefined) throw HEADER_NOT_FOUND()
    const count = BigInt(Math.max(0, Math.min(blockCount, this.limits.maxFeeHistory)))
    if (count === 0n) return { oldestBlock: 0n, baseFeePerGas: [], gasUsedRatio: [] }
    const first = last - count + 1n > 0n ? last - count + 1n : 0n
    const baseFeePerGas: bigint[] = []
    const gasUsedRatio: number[] = []
    const reward: bigint[][] = []
    let lastHeader: BlockHeader | undefined
    for (let n = first; n <= last; n++) {
      const h = this.#header(n)
      if (!h) throw HEADER_NOT_FOUND()
      lastHeader = h
      baseFeePerGas.push(h.baseFeePerGas)
      gasUsedRatio.push(Number(h.gasUsed) / Number(h.gasLimit))
      if (percentiles && percentiles.length > 0) reward.push(this.#rewards(n, h, percentiles))
    }
    baseFeePerGas.push(
      lastHeader!.number === this.builder.head.number
        ? this.builder.nextBaseFee()
        : this.#header(last + 1n)!.baseFeePerGas,
    )
    const out: FeeHistory = { oldestBlock: first, baseFeePerGas, gasUsedRatio }
    if (percentiles && percentiles.length > 0) out.reward = reward
    return out
  }

  /** geth's fee history rewards: tips sorted ascending, weighted by gas used. */
  #rewards(n: bigint, h: BlockHeader, percentiles: number[]): bigint[] {
    const b = this.#block(n)
    if (!b || b.txs.length === 0) return percentiles.map(() => 0n)
    const items: { tip: bigint; gas: bigint }[] = []
    for (let i = 0; i < b.txs.length; i++) {
      const tx = b.txs[i]!
      const tip = tx.type === DEPOSIT_TX_TYPE ? 0n : effectiveTip(tx, h.baseFeePerGas)
      items.push({ tip, gas: b.receipts[i]!.gasUsed })
    }
    items.sort((x, y) => (x.tip < y.tip ? -1 : x.tip > y.tip ? 1 : 0))
    const total = Number(h.gasUsed)
    return percentiles.map((p) => {
      const threshold = (total * p) / 100
      let sum = 0
      for (const it of items) {
        sum += Number(it.gas)
        if (sum >= threshold) return it.tip
      }
      return items[items.length - 1]!.tip
    })
  }

  // ── pool ──────────────────────────────────────────────────────────────────

  async submitRawTransaction(raw: Uint8Array): Promise<Hex> {
    const [outcome] = await this.submitRawTransactions([raw])
    if (!outcome || 'error' in outcome) throw outcome?.error
    return outcome.hash
  }

  /**
   * Decode, "already known", then one recovery call for all, then pool admission in order,
   * then one journal append (one fsync'd group commit) for all admitted: each tx gets the
   * outcome it would get alone, and no hash is returned before its tx is on disk.
   */
  async submitRawTransactions(raws: readonly Uint8Array[]): Promise<SubmitOutcome[]> {
    const out: SubmitOutcome[] = new Array(raws.length)
    const reject = (i: number, error: unknown, reason = rejectReason(error)) => {
      this.m.txRejected.inc({ reason })
      out[i] = { error }
    }
    if (this.#closing) {
      const error = new RpcVisibleError(-32000, 'sequencer is shutting down')
      for (let i = 0; i < raws.length; i++) out[i] = { error }
      return out
    }
    const signed: SignedTx[] = []
    const at: number[] = []
    for (let i = 0; i < raws.length; i++) {
      try {
        const tx = this.#ingress.decode(raws[i]!)
        if (this.pool.has(tx.hash)) throw new PoolRejectedError('alreadyKnown')
        signed.push(tx)
        at.push(i)
      } catch (error) {
        reject(i, error)
      }
    }
    if (signed.length === 0) return out
    let senders: (Address | null)[]
    try {
      senders = await this.#ingress.recoverMany(signed)
    } catch (error) {
      for (const i of at) reject(i, error)
      return out
    }
    const admitted: RecoveredTx[] = []
    const admittedAt: number[] = []
    for (let k = 0; k < signed.length; k++) {
      const i = at[k]!
      try {
        const from = senders[k]
        if (!from) throw new InvalidSenderError()
        const tx = signed[k] as RecoveredTx
        tx.from = from
        const result = this.pool.add(tx)
        const gone: Hex[] = result.evicted.map((t) => t.hash)
        if (result.replaced) gone.push(result.replaced.hash)
        if (gone.length > 0) this.journal.remove(gone)
        admitted.push(tx)
        admittedAt.push(i)
      } catch (error) {
        reject(i, error)
      }
    }
    if (admitted.length === 0) return out
    try {
      await this.journal.append(admitted)
    } catch (error) {
      // a disk that is full or read-only must be named, not hidden behind -32603
      const why = error instanceof Error ? error.message : String(error)
      const failed = new RpcVisibleError(
        -32000,
        `transaction not stored (disk write failed: ${why})`,
        {
          cause: error,
        },
      )
      for (let k = 0; k < admitted.length; k++) {
        this.pool.remove(admitted[k]!.hash)
        reject(admittedAt[k]!, failed, 'journal')
      }
      return out
    }
    this.m.txAccepted.inc(admitted.length)
    for (let k = 0; k < admitted.length; k++) {
      const tx = admitted[k]!
      this.events.emit('pendingTx', tx)
      out[admittedAt[k]!] = { hash: tx.hash }
    }
    return out
  }

  poolStatus(): PoolStatus {
    return this.pool.status()
  }

  poolContent(): PoolContent {
    const c = this.pool.content()
    const shape = (m: Map<Address, RecoveredTx[]>) => {
      const out: Record<Address, Record<string, RecoveredTx>> = {}
      for (const [from, txs] of m)
        out[from] = Object.fromEntries(txs.map((t) => [String(t.nonce), t]))
      return out
    }
    return { pending: shape(c.pending), queued: shape(c.queued) }
  }

  // ── rollup ────────────────────────────────────────────────────────────────

  #headRef(n: bigint): HeadRef {
    const h = this.#header(n) ?? this.#header(0n)!
    return { number: h.number, hash: h.hash, timestamp: h.timestamp, stateRoot: h.stateRoot }
  }

  syncStatus(): SyncStatus {
    const head = this.builder.head
    const b = this.#l1.batchHeads()
    return {
      sealed: this.#headRef(head.number),
      batched: this.#headRef(min(b.batched, head.number)),
      committed: this.#headRef(min(b.committed, head.number)),
      finalized: this.#headRef(min(b.finalized, head.number)),
      l1Head: this.#l1.l1Head(),
      depositCursor: head.depositCursor,
    }
  }

  blockRange(from: bigint, to: bigint): Block[] {
    if (from > to) throw new RpcVisibleError(-32602, 'invalid block range: from > to')
    const max = BigInt(this.limits.maxBlockRange)
    if (to - from + 1n > max)
      throw new RpcVisibleError(-32602, `block range too large: at most ${max} blocks`)
    const head = this.builder.head.number
    const out: Block[] = []
    for (let n = from; n <= to && n <= head; n++) {
      const b = this.#block(n)
      if (!b) break
      out.push({ header: b.header, txs: b.txs })
    }
    return out
  }

  outputAtBlock(selector: BlockSelector): OutputAtBlock | undefined {
    const n = this.resolveBlock(selector)
    if (n === undefined) return undefined
    const h = this.#header(n)
    if (!h) return undefined
    return {
      blockNumber: h.number,
      blockHash: h.hash,
      stateRoot: h.stateRoot,
      timestamp: h.timestamp,
      depositCursor: h.depositCursor,
      l1OriginNumber: h.l1OriginNumber,
      withdrawalStore: this.genesis.predeploys.withdrawalStore,
    }
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

function lower<T extends string>(s: T): T {
  return s.toLowerCase() as T
}

function padSlot(slot: Hex): Uint8Array {
  const v = BigInt(slot)
  const out = new Uint8Array(32)
  let x = v
  for (let i = 31; i >= 0 && x > 0n; i--) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

function rejectReason(error: unknown): string {
  if (error instanceof PoolRejectedError) return error.reason
  if (error instanceof RpcVisibleError) return (error.name || 'invalid').replace(/Error$/, '')
  return 'internal'
}

export { ZERO_ADDRESS }
