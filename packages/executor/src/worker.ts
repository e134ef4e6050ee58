import { type MessagePort, parentPort } from 'node:worker_threads'
import type { Account, Address, BlockEnv, Hex, L2Tx, StateReader } from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { WorkerSide } from './channel.js'
import { decodeRun, encodeResult, type RunMsg } from './codec.js'
import { acquireEvmContext, type EvmContext, releaseEvmContext } from './evm-context.js'
import { runSequential, txEnv } from './execute-block.js'
import { MultiVersion, type Vaults } from './mv.js'
import { runTx, type TxEnv, type TxOutcome } from './run-tx.js'
import type { StateSource } from './tx-state.js'
import type { ExecutorConfig } from './types.js'
import { type FeeDeltas, snapshotReads, snapshotWrites } from './write-set.js'

export type WireEnv = Omit<BlockEnv, 'blockHash'>

export type ToWorker =
  | { type: 'init'; port: MessagePort; cells: Int32Array }
  | { type: 'block-sync'; env: WireEnv; txs: L2Tx[]; config: ExecutorConfig }
  /** txs arrive with the runs that need them (a worker sees about half of a block, or none) */
  | { type: 'begin'; block: number; env: WireEnv; n: number; config: ExecutorConfig }
  /** RunMsgs, encoded (codec.ts), run in order; the txs this worker has not had yet */
  | { type: 'run'; data: string[]; txs: Array<[number, L2Tx]> }
  | { type: 'end'; block: number }
  | { type: 'hang'; ms: number }
  | { type: 'crash' }

export type FromWorker =
  /** ResultMsgs, encoded (codec.ts), of one block */
  | { type: 'result'; block: number; data: string[] }
  | { type: 'failed'; block: number; tx: number; incarnation: number; message: string }

let chan: WorkerSide | undefined
const NO_FEES: FeeDeltas = { base: 0n, priority: 0n, l1: 0n }

function feesOf(o: Extract<TxOutcome, { ok: true }>): FeeDeltas {
  return { base: o.baseFee, priority: o.priorityFee, l1: o.l1Fee }
}

function remote(): WorkerSide {
  if (chan === undefined) throw new Error('worker used before init')
  // Before blocking on the main thread, hand it the results it may be waiting for.
  flush()
  return chan
}

// Results wait here while more runs are queued: one message per batch, not per tx, since
// every message wakes the main thread (on 2 cores the wake-ups cost more than the copies).
let outbox: string[] = []
let outboxBlock = 0
let pending = 0
let lastFlush = 0
const OUTBOX_MAX = 32
/** results never wait longer than this: the main thread's hang detection watches them */
const OUTBOX_MS = 20

function flush(): void {
  lastFlush = performance.now()
  if (outbox.length === 0) return
  const reply: FromWorker = { type: 'result', block: outboxBlock, data: outbox }
  outbox = []
  parentPort!.postMessage(reply)
}

function queueResult(block: number, data: string): void {
  if (outbox.length > 0 && outboxBlock !== block) flush()
  outboxBlock = block
  outbox.push(data)
  if (outbox.length >= OUTBOX_MAX || performance.now() - lastFlush > OUTBOX_MS) flush()
}

function withBlockHash(env: WireEnv): BlockEnv {
  const cache = new Map<bigint, Hex | undefined>()
  return {
    ...env,
    blockHash: (n) => {
      if (!cache.has(n)) cache.set(n, remote().request({ kind: 'blockHash', n }) as Hex | undefined)
      return cache.get(n)
    },
  }
}

/** The main thread's StateReader, reached through blocking requests. */
const remoteReader: StateReader = {
  getAccount: (address) => remote().request({ kind: 'account', address }) as Account | undefined,
  getStorage: (address, slot) => remote().request({ kind: 'storage', address, slot }) as bigint,
  getCode: (hash) => remote().request({ kind: 'code', hash }) as Uint8Array | undefined,
}

type Spec = {
  block: number
  txs: L2Tx[]
  mv: MultiVersion
  hot: Set<string>
  base: BlockState
  ctx: EvmContext
  tenv: TxEnv
}
let spec: Spec | undefined

/** Tx i's view: the highest lower write in the replica, else the base; hot keys ask main. */
class SpecView implements StateSource {
  i = 0
  constructor(private readonly s: Spec) {}
  account(address: Address): Account | undefined {
    if (this.s.hot.has(address))
      return remote().request({ kind: 'wait', tx: this.i, address, slot: null }) as
        | Account
        | undefined
    return this.s.mv.account(address, this.i, (a) => this.s.base.baseAccount(a))
  }
  storage(address: Address, slot: Hex): bigint {
    if (this.s.hot.has(address + slot))
      return remote().request({ kind: 'wait', tx: this.i, address, slot }) as bigint
    return this.s.mv.storage(address, slot, this.i, (a, k) => this.s.base.baseStorage(a, k))
  }
  code(hash: Hex): Uint8Array | undefined {
    return this.s.mv.codes.get(hash) ?? this.s.base.code(hash)
  }
}
let view: SpecView | undefined

async function runOne(run: RunMsg): Promise<void> {
  const s = spec
  if (s === undefined || s.block !== run.block || view === undefined) return
  for (const [tx, ws, fees] of run.updates) s.mv.set(tx, ws, fees)
  for (const k of run.hot) s.hot.add(k)
  for (const [a, v] of run.base) s.base.primeBase(a, v)
  for (const [a, k, v] of run.slots) s.base.primeSlot(a, k, v)
  view.i = run.tx
  s.ctx.state.reset(view)
  try {
    const outcome = await runTx(s.txs[run.tx]!, s.tenv)
    const writes = snapshotWrites(s.ctx.state)
    // The main thread publishes this write set to the other workers only: keep it here,
    // so the next tx queued on this worker already sees it.
    s.mv.set(run.tx, writes, outcome.ok ? feesOf(outcome) : NO_FEES)
    queueResult(
      run.block,
      encodeResult({
        block: run.block,
        tx: run.tx,
        incarnation: run.incarnation,
        outcome,
        reads: snapshotReads(s.ctx.state),
        writes,
      }),
    )
  } catch (e) {
    const reply: FromWorker = {
      type: 'failed',
      block: run.block,
      tx: run.tx,
      incarnation: run.incarnation,
      message: e instanceof Error ? e.message : String(e),
    }
    flush()
    parentPort!.postMessage(reply)
  }
}

async function onMessage(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      chan = new WorkerSide(msg.port, msg.cells)
      return
    case 'block-sync': {
      try {
        const env = withBlockHash(msg.env)
        const bs = new BlockState(remoteReader)
        const acc = new BlockAccumulator(env)
        await runSequential(env, msg.txs, bs, msg.config, acc)
        remote().send({ type: 'done', result: acc.finish(bs.toDiff(), 'sequential', 0) })
      } catch (e) {
        remote().send({ type: 'error', message: e instanceof Error ? e.message : String(e) })
      }
      return
    }
    case 'begin': {
      if (spec !== undefined) releaseEvmContext(spec.ctx)
      const vaults: Vaults = {
        base: msg.config.baseFeeVault,
        priority: msg.config.priorityFeeVault,
        l1: msg.config.l1FeeVault,
      }
      const env = withBlockHash(msg.env)
      const ctx = acquireEvmContext(env.chainId)
      spec = {
        block: msg.block,
        txs: new Array(msg.n),
        mv: new MultiVersion(vaults),
        hot: new Set([vaults.base, vaults.priority, vaults.l1]),
        base: new BlockState(remoteReader),
        ctx,
        tenv: txEnv(env, msg.config, ctx),
      }
      view = new SpecView(spec)
      return
    }
    case 'run':
      if (spec !== undefined) for (const [i, tx] of msg.txs) spec.txs[i] = tx
      for (const data of msg.data) {
        await runOne(decodeRun(data))
        if (--pending === 0) flush()
      }
      return
    case 'end':
      if (spec !== undefined && spec.block === msg.block) {
        releaseEvmContext(spec.ctx)
        spec = undefined
        view = undefined
      }
      return
    // fault injection for the tests: a hung or crashing worker must not change the result
    case 'hang':
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, msg.ms)
      return
    case 'crash':
      process.exit(3)
  }
}

parentPort!.postMessage({ type: 'ready' })
let queue: Promise<void> = Promise.resolve()
parentPort!.on('message', (msg: ToWorker) => {
  if (msg.type === 'run') pending += msg.data.length
  // one message at a time: a run must finish before the next one's updates are applied
  queue = queue.then(() => onMessage(msg))
})
