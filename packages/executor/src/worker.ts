import { type MessagePort, parentPort } from 'node:worker_threads'
import type { Account, Address, BlockEnv, Hex, L2Tx, StateReader } from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { WorkerSide } from './channel.js'
import { acquireEvmContext, type EvmContext, releaseEvmContext } from './evm-context.js'
import { runSequential, txEnv } from './execute-block.js'
import { MultiVersion, type Vaults } from './mv.js'
import { runTx, type TxEnv } from './run-tx.js'
import type { StateSource } from './tx-state.js'
import type { ExecutorConfig } from './types.js'
import { type FeeDeltas, snapshotReads, snapshotWrites, type WriteSet } from './write-set.js'

export type WireEnv = Omit<BlockEnv, 'blockHash'>

export type ToWorker =
  | { type: 'init'; port: MessagePort; cells: Int32Array }
  | { type: 'block-sync'; env: WireEnv; txs: L2Tx[]; config: ExecutorConfig }
  | { type: 'begin'; block: number; env: WireEnv; txs: L2Tx[]; config: ExecutorConfig }
  | {
      type: 'run'
      block: number
      tx: number
      incarnation: number
      updates: Array<[number, WriteSet, FeeDeltas]>
      hot: string[]
      base: Array<[Address, Account | undefined]>
    }
  | { type: 'end'; block: number }
  | { type: 'hang'; ms: number }
  | { type: 'crash' }

export type FromWorker =
  | {
      type: 'result'
      block: number
      tx: number
      incarnation: number
      outcome: Awaited<ReturnType<typeof runTx>>
      reads: ReturnType<typeof snapshotReads>
      writes: WriteSet
    }
  | { type: 'failed'; block: number; tx: number; incarnation: number; message: string }

let chan: WorkerSide | undefined

function remote(): WorkerSide {
  if (chan === undefined) throw new Error('worker used before init')
  return chan
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
        txs: msg.txs,
        mv: new MultiVersion(vaults),
        hot: new Set([vaults.base, vaults.priority, vaults.l1]),
        base: new BlockState(remoteReader),
        ctx,
        tenv: txEnv(env, msg.config, ctx),
      }
      view = new SpecView(spec)
      return
    }
    case 'run': {
      const s = spec
      if (s === undefined || s.block !== msg.block || view === undefined) return
      for (const [tx, ws, fees] of msg.updates) s.mv.set(tx, ws, fees)
      for (const k of msg.hot) s.hot.add(k)
      for (const [a, v] of msg.base) s.base.primeBase(a, v)
      view.i = msg.tx
      s.ctx.state.reset(view)
      try {
        const outcome = await runTx(s.txs[msg.tx]!, s.tenv)
        const reply: FromWorker = {
          type: 'result',
          block: msg.block,
          tx: msg.tx,
          incarnation: msg.incarnation,
          outcome,
          reads: snapshotReads(s.ctx.state),
          writes: snapshotWrites(s.ctx.state),
        }
        parentPort!.postMessage(reply)
      } catch (e) {
        const reply: FromWorker = {
          type: 'failed',
          block: msg.block,
          tx: msg.tx,
          incarnation: msg.incarnation,
          message: e instanceof Error ? e.message : String(e),
        }
        parentPort!.postMessage(reply)
      }
      return
    }
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
  // one message at a time: a run must finish before the next one's updates are applied
  queue = queue.then(() => onMessage(msg))
})
