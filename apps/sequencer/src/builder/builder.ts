import type {
  Address,
  BlockEnv,
  BlockHeader,
  DepositTx,
  Hex,
  L1Origin,
  L2Tx,
  Receipt,
  RecoveredTx,
  StateReader,
} from '@lanes/core'
import {
  blockSize,
  DEPOSIT_TX_TYPE,
  nextBaseFee,
  nextBlockEnv,
  StateRootMismatchError,
  sealHeader,
} from '@lanes/core'
import type { BlockResult } from '@lanes/executor'
import type { TxPool } from '../mempool/pool.js'
import type { JournalWriter } from '../store/journal.js'
import type { Store } from '../store/store.js'
import type { WorldStatePort } from '../store/world-state.js'
import { capTxBytes } from './throttle.js'

export type { L1Origin } from '@lanes/core'

export const NO_L1_ORIGIN: L1Origin = {
  number: 0n,
  hash: `0x${'00'.repeat(32)}`,
  timestamp: 0n,
  baseFee: 0n,
  blobBaseFee: 1n,
}

/** Deposits the builder may include: queue order from `cursor`, queued at or before `origin`. */
export interface DepositSource {
  due(cursor: bigint, originNumber: bigint, max: number): DepositTx[]
}

export const NO_DEPOSITS: DepositSource = { due: () => [] }

export type ExecuteFn = (env: BlockEnv, txs: L2Tx[], state: StateReader) => Promise<BlockResult>

export type BuilderParams = {
  chainId: bigint
  gasLimit: bigint
  minBaseFee: bigint
  /** the COINBASE of every block (the priority-fee vault) */
  coinbase: Address
  /** most deposits per block */
  maxDepositsPerBlock: number
  /** how far L2 time may run ahead of the wall clock before sealing pauses (seconds) */
  maxTimestampDriftS: bigint
  /** seal an empty block when none was sealed for this long (0: only seal when there is work) */
  emptyBlockIntervalMs?: number
}

export type SealedBlock = {
  header: BlockHeader
  txs: L2Tx[]
  receipts: Receipt[]
  size: number
  /** txs the executor refused (dropped from the pool) */
  dropped: { hash: Hex; reason: string }[]
  timings: { executeMs: number; hashMs: number; commitMs: number; totalMs: number }
}

export type BuilderDeps = {
  store: Store
  state: WorldStatePort
  pool: TxPool
  journal: JournalWriter
  execute: ExecuteFn
  origin: () => L1Origin
  deposits: DepositSource
  params: BuilderParams
  /** called after each block is durable, in order */
  onSealed: (block: SealedBlock) => void
  /** called once when the loop stops on an error (a root mismatch, a failed commit) */
  onHalt?: (error: unknown) => void
  now?: () => number
}

/**
 * Seals blocks: pick (deposits first, then pool txs by price) → execute → apply the diff to
 * the state tree → write block, receipts, logs, tx index and tree nodes in ONE SQLite
 * transaction → queue the journal removals → notify. One seal at a time; the pool keeps admitting meanwhile.
 */
export class BlockBuilder {
  readonly #d: BuilderDeps
  #head: BlockHeader
  #sealing: Promise<SealedBlock | undefined> | undefined
  #timer: NodeJS.Timeout | undefined
  #running = false
  #halted: unknown
  #lastSealMs = 0
  /** set by lanes_setThrottle (./throttle.ts): signed tx bytes per block, null = no limit */
  maxBlockTxBytes: number | null = null

  constructor(deps: BuilderDeps) {
    this.#d = deps
    const head = deps.store.head()
    if (!head) throw new Error('BlockBuilder needs a genesis block in the store')
    this.#head = head
  }

  get head(): BlockHeader {
    return this.#head
  }

  /** The error that stopped the loop (e.g. StateRootMismatchError), if any. */
  get halted(): unknown {
    return this.#halted
  }

  nextBaseFee(): bigint {
    return nextBaseFee(this.#head, this.#d.params.minBaseFee)
  }

  /** Seals one block if there is work; undefined otherwise. Serialized with itself. */
  sealNext(): Promise<SealedBlock | undefined> {
    const prev = this.#sealing ?? Promise.resolve(undefined)
    const next = prev.catch(() => undefined).then(() => this.#seal())
    this.#sealing = next
    return next
  }

  /** Seals every `blockTimeMs` (measured from the start of the previous seal). */
  start(blockTimeMs: number): void {
    if (this.#running) return
    this.#running = true
    const tick = async () => {
      if (!this.#running) return
      const started = Date.now()
      try {
        await this.sealNext()
      } catch (error) {
        this.#halted = error
        this.#running = false
        this.#d.onHalt?.(error)
        return
      }
      if (!this.#running) return
      const wait = Math.max(0, blockTimeMs - (Date.now() - started))
      this.#timer = setTimeout(() => void tick().catch(() => {}), wait)
    }
    this.#timer = setTimeout(() => void tick().catch(() => {}), blockTimeMs)
  }

  /** Stops the loop after the block being sealed (if any) is durable. */
  async stop(): Promise<void> {
    this.#running = false
    if (this.#timer) clearTimeout(this.#timer)
    await this.#sealing?.catch(() => undefined)
  }

  async #seal(): Promise<SealedBlock | undefined> {
    const d = this.#d
    const p = d.params
    const t0 = performance.now()
    await d.journal.sync()
    const parent = this.#head
    const nowS = BigInt(Math.floor((d.now ?? Date.now)() / 1000))
    const timestamp = parent.timestamp + 1n > nowS ? parent.timestamp + 1n : nowS
    if (timestamp > nowS + p.maxTimestampDriftS) return undefined

    const origin = d.origin()
    const number = parent.number + 1n
    const env = nextBlockEnv(parent, timestamp, origin, p, (n) =>
      n < number ? d.store.header(n)?.hash : undefined,
    )
    const baseFee = env.baseFeePerGas
    const deposits = d.deposits.due(parent.depositCursor, origin.number, p.maxDepositsPerBlock)
    let depositGas = 0n
    for (const dep of deposits) depositGas += dep.gasLimit
    const room = p.gasLimit > depositGas ? p.gasLimit - depositGas : 0n
    const picked = capTxBytes(d.pool.select(baseFee, room), this.maxBlockTxBytes)
    // wallets (ethers' tx.wait) and safe/finalized heads expect the chain to keep moving
    const nowMs = (d.now ?? Date.now)()
    const heartbeat =
      (p.emptyBlockIntervalMs ?? 0) > 0 && nowMs - this.#lastSealMs >= (p.emptyBlockIntervalMs ?? 0)
    if (deposits.length === 0 && picked.length === 0 && !heartbeat) return undefined

    const txs: L2Tx[] = [...deposits, ...picked]
    const result = await d.execute(env, txs, d.state.readerAt(parent.number))
    const t1 = performance.now()

    const invalid = new Set(result.invalid.map((i) => i.index))
    const included = invalid.size === 0 ? txs : txs.filter((_, i) => !invalid.has(i))
    const dropped = result.invalid.map((i) => ({ hash: i.hash, reason: i.reason }))
    if (included.length !== result.receipts.length)
      throw new Error(
        `executor returned ${result.receipts.length} receipts for ${included.length} txs`,
      )
    for (const inv of result.invalid) {
      const tx = txs[inv.index]
      if (tx && tx.type !== DEPOSIT_TX_TYPE) d.pool.remove(tx.hash)
    }
    if (included.length === 0 && !heartbeat) {
      d.journal.remove(dropped.map((x) => x.hash))
      return undefined
    }

    let depositCursor = parent.depositCursor
    for (const tx of included) if (tx.type === DEPOSIT_TX_TYPE) depositCursor = tx.queueIndex + 1n

    let header!: BlockHeader
    let size = 0
    let hashMs = 0
    try {
      d.store.transaction(() => {
        const th = performance.now()
        const stateRoot = d.state.applyDiff(number, result.diff)
        hashMs = performance.now() - th
        header = sealHeader({
          parent,
          env,
          origin,
          stateRoot,
          txs: included,
          receipts: result.receipts,
          logsBloom: result.logsBloom,
          gasUsed: result.gasUsed,
          depositCursor,
        })
        size = blockSize(header, included)
        d.store.insertBlock({ header, txs: included, receipts: result.receipts, size })
      })
    } catch (error) {
      // the transaction rolled back: the tree must forget the version it applied in memory
      d.state.reset?.()
      throw error
    }
    const t2 = performance.now()
    // The journal rows of these txs go with the journal's next group commit, off this thread.
    // A crash before that leaves rows for included txs: the restart re-admission refuses them
    // (nonce too low) and deletes them, so none is sealed twice.
    const gone: Hex[] = dropped.map((x) => x.hash)
    for (const tx of included) if (tx.type !== DEPOSIT_TX_TYPE) gone.push(tx.hash)
    d.journal.remove(gone)
    this.#head = header
    this.#lastSealMs = nowMs

    const senders = new Set<Address>()
    for (const tx of included)
      if (tx.type !== DEPOSIT_TX_TYPE) senders.add((tx as RecoveredTx).from)
    d.pool.onSealed(senders)

    const block: SealedBlock = {
      header,
      txs: included,
      receipts: result.receipts,
      size,
      dropped,
      timings: { executeMs: t1 - t0, hashMs, commitMs: t2 - t1, totalMs: t2 - t0 },
    }
    d.onSealed(block)
    return block
  }
}

/** Checks the stored head against the tree; throws StateRootMismatchError on any difference. */
export function checkHeadRoot(store: Store, state: WorldStatePort): BlockHeader {
  const head = store.head()
  if (!head) throw new Error('no head block in the store')
  const version = state.latestVersion()
  if (version !== head.number)
    throw new StateRootMismatchError(
      `tree version (head block ${head.number})`,
      String(head.number),
      String(version),
    )
  const recorded = state.rootAt(head.number)
  if (recorded !== head.stateRoot)
    throw new StateRootMismatchError(`block ${head.number}`, head.stateRoot, recorded)
  const recomputed = state.recomputeRoot()
  if (recomputed !== head.stateRoot)
    throw new StateRootMismatchError(
      `block ${head.number} (recomputed)`,
      head.stateRoot,
      recomputed,
    )
  const bad = state.verifyTreeNodes?.(head.number)
  if (bad !== undefined)
    throw new StateRootMismatchError(
      `block ${head.number} (tree nodes on disk: the proof of leaf ${bad} does not verify)`,
      head.stateRoot,
      'a corrupted tree node',
    )
  return head
}
