import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads'
import {
  type BlockEnv,
  DEPOSIT_TX_TYPE,
  EMPTY_CODE_HASH,
  type L2Tx,
  type StateReader,
} from '@lanes/core'
import { answer, DOORBELL, type ReadRequest } from './channel.js'
import { ExecutorError } from './errors.js'
import { executeNativeOnly } from './native-block.js'
import type { BlockResult, ExecutorConfig } from './types.js'
import type { ToWorker } from './worker.js'

export { ExecutorError }

const WORKER_URL = new URL('./worker.mjs', import.meta.url)
const PRECOMPILE_MAX = 0x0a
const SILENCE_MS = 120_000

type SyncWorker = { worker: Worker; port: MessagePort; cells: Int32Array }
let helper: SyncWorker | undefined

function helperWorker(): SyncWorker {
  if (helper !== undefined) return helper
  const worker = new Worker(WORKER_URL)
  worker.unref()
  const { port1, port2 } = new MessageChannel()
  const cells = new Int32Array(new SharedArrayBuffer(8))
  worker.postMessage({ type: 'init', port: port2, cells } satisfies ToWorker, [port2])
  const h = { worker, port: port1, cells }
  worker.on('exit', () => {
    if (helper === h) helper = undefined
  })
  helper = h
  return h
}

function isPrecompile(to: string): boolean {
  for (let i = 2; i < 40; i++) if (to[i] !== '0') return false
  const n = Number.parseInt(to.slice(40), 16)
  return n >= 1 && n <= PRECOMPILE_MAX
}

/**
 * True when no tx of the block can run EVM code: every tx is a signed plain transfer to an
 * account that has no code in the base state (and, as nothing runs code, none gets code).
 */
function nativeOnly(txs: L2Tx[], state: StateReader): boolean {
  for (const tx of txs) {
    if (tx.type === DEPOSIT_TX_TYPE || tx.to === null || tx.data.length > 0) return false
    if (isPrecompile(tx.to)) return false
    const a = state.getAccount(tx.to)
    if (a !== undefined && a.codeHash !== EMPTY_CODE_HASH) return false
  }
  return true
}

function serve(state: StateReader, env: BlockEnv, req: ReadRequest) {
  switch (req.kind) {
    case 'account':
      return state.getAccount(req.address)
    case 'storage':
      return state.getStorage(req.address, req.slot)
    case 'code':
      return state.getCode(req.hash)
    case 'blockHash':
      return env.blockHash?.(req.n)
    case 'wait':
      throw new ExecutorError('unexpected wait request in sequential mode')
  }
}

/**
 * Sequential execution with a synchronous signature. @ethereumjs/evm is async, and a
 * JavaScript thread cannot wait for its own promises, so blocks that need the EVM run on
 * a helper thread while this thread blocks (Atomics.wait) answering its state reads from
 * `state`. Blocks of plain transfers run right here on the native path.
 */
export function executeBlock(
  env: BlockEnv,
  txs: L2Tx[],
  state: StateReader,
  config: ExecutorConfig,
): BlockResult {
  if (nativeOnly(txs, state)) return executeNativeOnly(env, txs, state, config)
  const h = helperWorker()
  const { blockHash: _drop, ...wireEnv } = env
  h.worker.postMessage({ type: 'block-sync', env: wireEnv, txs, config } satisfies ToWorker)
  for (;;) {
    const seen = Atomics.load(h.cells, DOORBELL)
    let got = false
    for (let m = receiveMessageOnPort(h.port); m !== undefined; m = receiveMessageOnPort(h.port)) {
      got = true
      const msg = m.message as
        | ReadRequest
        | { type: 'done'; result: BlockResult }
        | { type: 'error'; message: string }
      if ('type' in msg) {
        if (msg.type === 'done') return msg.result
        throw new ExecutorError('block execution failed in the helper thread', {
          details: msg.message,
        })
      }
      let value: ReturnType<typeof serve>
      try {
        value = serve(state, env, msg)
      } catch (e) {
        // the helper is mid-block and blocked on us: drop it rather than leave it half-done
        h.worker.terminate().catch(() => undefined)
        helper = undefined
        throw e
      }
      answer(h.port, h.cells, value)
    }
    if (got) continue
    if (Atomics.wait(h.cells, DOORBELL, seen, SILENCE_MS) === 'timed-out') {
      h.worker.terminate().catch(() => undefined)
      helper = undefined
      throw new ExecutorError('the executor helper thread stopped answering')
    }
  }
}
