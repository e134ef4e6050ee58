import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { rollupAbi } from '@lanes/contracts'
import {
  type Genesis,
  genesisHeader,
  genesisToDiff,
  type L1Origin,
  LanesError,
  l1OriginOf,
  parseGenesis,
  SenderRecoveryPool,
  StateRootMismatchError,
} from '@lanes/core'
import {
  beaconBlobSource,
  checkpointFromJson,
  checkpointToJson,
  type DerivedBatch,
  type DeriveL1,
  type FollowerEvent,
  RollupFollower,
  viemDeriveL1,
} from '@lanes/derive'
import type { ExecutorConfig } from '@lanes/executor'
import { genesisStateRoot, VersionPrunedError, WorldState } from '@lanes/state-tree'
import { type Address, createPublicClient, type Hex, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ProverConfig } from './config.js'
import { Finalizer } from './finalizer.js'
import { type ProverMetrics, proverMetrics } from './metrics.js'
import { ProverStore } from './store.js'
import { BatchMismatchError, verifyBatch } from './verify.js'

export type Logger = {
  info: (obj: object, msg?: string) => void
  warn: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
}

export type ProverStatus = {
  l1Cursor: string
  verifiedBatches: number
  nextToVerify: string
  finalizedBatches: number
  headBlock: string
  headStateRoot: Hex
  halted: string | null
}

/** Needs a rebuild of the prover's state from genesis (a verified batch was replaced on L1). */
class RebuildNeeded extends LanesError {
  override name = 'RebuildNeeded'
}

/**
 * The prover: follows the Rollup on L1 through packages/derive only, re-executes every batch on
 * its own state, records a verdict, and finalizes verified batches in order. A mismatch halts it.
 */
export class ProverService {
  readonly metrics: ProverMetrics = proverMetrics()
  halted: BatchMismatchError | StateRootMismatchError | undefined
  private store!: ProverStore
  private state!: WorldState
  private follower!: RollupFollower
  private finalizer: Finalizer | undefined
  private readonly l1: PublicClient
  private readonly deriveL1: DeriveL1
  private readonly genesis: Genesis
  private readonly execConfig: ExecutorConfig
  private readonly origins = new Map<bigint, L1Origin>()
  private readonly recovery: SenderRecoveryPool | undefined
  private timer: NodeJS.Timeout | undefined
  private running = false
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined

  constructor(
    private readonly config: ProverConfig,
    private readonly log: Logger,
    private readonly onHalt: (error: Error) => void = () => {},
  ) {
    this.genesis = parseGenesis(JSON.parse(readFileSync(config.genesis, 'utf8')))
    this.l1 = createPublicClient({
      transport: http(config.l1RpcUrl, { retryCount: 2, timeout: 30_000 }),
    })
    this.deriveL1 = viemDeriveL1({
      rpcUrl: config.l1RpcUrl,
      rollup: config.rollupAddress as Address,
      client: this.l1,
      ...(config.beaconUrl
        ? {
            blobSource: beaconBlobSource({
              url: config.beaconUrl,
              blockId: (b) => b.number.toString(),
            }),
          }
        : {}),
    })
    this.execConfig = {
      baseFeeVault: this.genesis.feeVaults.baseFee,
      priorityFeeVault: this.genesis.feeVaults.priorityFee,
      l1FeeVault: this.genesis.feeVaults.l1Fee,
      l1BaseFeeScalar: BigInt(config.l1BaseFeeScalar),
      l1BlobBaseFeeScalar: BigInt(config.l1BlobBaseFeeScalar),
    }
    this.recovery =
      config.recoveryWorkers > 0
        ? new SenderRecoveryPool({ size: config.recoveryWorkers })
        : undefined
    this.open()
  }

  private open(): void {
    this.store = new ProverStore(this.config.dataDir)
    this.state = WorldState.sqlite(this.store.db)
    const expected = genesisStateRoot(this.genesis)
    if (!this.store.head()) {
      this.store.transaction(() => {
        const root = this.state.applyDiff(0n, genesisToDiff(this.genesis))
        if (root !== expected)
          throw new StateRootMismatchError('genesis (state tree)', expected, root)
        this.store.insertBlock(genesisHeader(this.genesis, root))
      })
    }
    const head = this.store.head()!
    const treeRoot = this.state.root(head.number)
    if (treeRoot !== head.stateRoot)
      throw new StateRootMismatchError(`prover block ${head.number}`, head.stateRoot, treeRoot)
    const raw = this.store.getMeta('checkpoint')
    const lists = this.store.getMeta('checkpoint-contexts')
    const checkpoint = raw
      ? {
          ...checkpointFromJson(raw),
          // older databases keep the lists inside 'checkpoint'
          ...(lists ? { contexts: checkpointFromJson(lists).contexts } : {}),
        }
      : undefined
    this.follower = new RollupFollower(this.deriveL1, {
      chainId: this.genesis.chainId,
      startBlock: BigInt(this.config.rollupStartBlock),
      confirmations: BigInt(this.config.l1Confirmations),
      ...(this.recovery ? { recoverSenders: (txs) => this.recovery!.recover(txs) } : {}),
      ...(checkpoint ? { checkpoint } : {}),
    })
    if (this.config.finalize) {
      const account = privateKeyToAccount(this.config.proverKey as Hex)
      this.finalizer = new Finalizer({
        l1: this.l1,
        account,
        rollup: this.config.rollupAddress as Address,
        l2ChainId: this.genesis.chainId,
        store: this.store,
        feeBumpAfterMs: this.config.feeBumpAfterMs,
        maxBatches: this.config.finalizeMaxBatches,
        log: (msg, fields) => this.log.info(fields ?? {}, msg),
      })
    }
  }

  /** Checks the L1 contract was deployed with our genesis root; call once before start. */
  async checkGenesis(): Promise<void> {
    const [onL1, chainId] = await Promise.all([
      this.l1.readContract({
        address: this.config.rollupAddress as Address,
        abi: rollupAbi,
        functionName: 'genesisStateRoot',
      }),
      this.l1.readContract({
        address: this.config.rollupAddress as Address,
        abi: rollupAbi,
        functionName: 'l2ChainId',
      }),
    ])
    const ours = genesisStateRoot(this.genesis)
    if (onL1 !== ours)
      throw new StateRootMismatchError(
        'genesis (Rollup.genesisStateRoot on L1)',
        onL1 as string,
        ours,
      )
    if (BigInt(chainId as bigint) !== this.genesis.chainId)
      throw new LanesError(
        `genesis mismatch: Rollup.l2ChainId is ${chainId}, the genesis file says ${this.genesis.chainId}`,
      )
  }

  status(): ProverStatus {
    const batches = this.store.batches()
    const verified = batches.filter((b) => b.status !== 'mismatch')
    const head = this.store.head()!
    return {
      l1Cursor: this.follower.l1Cursor.toString(),
      verifiedBatches: verified.length,
      nextToVerify: String(verified.length),
      finalizedBatches: batches.filter((b) => b.status === 'finalized').length,
      headBlock: head.number.toString(),
      headStateRoot: head.stateRoot,
      halted: this.halted ? this.halted.shortMessage : null,
    }
  }

  private async prefetchOrigins(batch: DerivedBatch): Promise<void> {
    for (const b of batch.blocks) {
      if (this.origins.has(b.l1OriginNumber)) continue
      const blk = await this.l1.getBlock({ blockNumber: b.l1OriginNumber })
      this.origins.set(b.l1OriginNumber, l1OriginOf({ ...blk, hash: blk.hash }))
    }
  }

  private halt(error: BatchMismatchError, batch?: DerivedBatch): void {
    this.halted = error
    this.metrics.mismatches.inc()
    if (batch)
      this.store.putBatch({
        index: batch.index,
        l1TxHash: batch.l1.l1TxHash,
        l1Block: batch.l1.l1BlockNumber,
        parentStateRoot: batch.header.parentStateRoot,
        postStateRoot: batch.header.postStateRoot,
        dataHash: batch.commitment.dataHash,
        lastBlock: batch.header.lastBlock,
        status: 'mismatch',
        error: error.shortMessage,
        finalizeTx: null,
      })
    const { block, expected, actual, ...rest } = error.detail
    this.log.error(
      {
        batch: String(error.batchIndex),
        ...(block !== undefined ? { block: String(block) } : {}),
        ...rest,
        ...(expected !== undefined ? { committedRoot: expected, computedRoot: actual } : {}),
      },
      `MISMATCH: ${error.shortMessage}; never finalizing it`,
    )
    this.onHalt(error)
  }

  private handleBatch(batch: DerivedBatch): void {
    const known = this.store.batch(batch.index)
    if (known && known.status !== 'mismatch') {
      if (
        known.postStateRoot === batch.header.postStateRoot &&
        known.dataHash === batch.commitment.dataHash
      )
        return
      this.rewind(batch.index, 'replaced on L1 after it was verified')
    }
    const t0 = performance.now()
    try {
      const head = verifyBatch(
        {
          genesis: this.genesis,
          store: this.store,
          state: this.state,
          execConfig: this.execConfig,
          origins: this.origins,
        },
        batch,
      )
      const txs = batch.blocks.reduce((n, b) => n + b.txs.length + b.deposits.length, 0)
      this.metrics.verified.inc()
      this.metrics.txs.inc(txs)
      this.metrics.headBlock.set(Number(head.number))
      this.log.info(
        {
          batch: String(batch.index),
          blocks: `${batch.header.firstBlock}-${batch.header.lastBlock}`,
          txs,
          ms: Math.round(performance.now() - t0),
          root: head.stateRoot,
        },
        'batch verified',
      )
    } catch (error) {
      if (!(error instanceof BatchMismatchError)) throw error
      this.halt(error, batch)
    }
  }

  /**
   * The follower's address lists (batch-codec README §3.5) are megabytes with large batches and
   * change only with an event (a batch, a revert, a finalization, a reorg), so a step without
   * events writes only the L1 cursor. Both keys move in one transaction.
   */
  private saveCheckpoint(eventsSeen: boolean): void {
    const { contexts, ...cursor } = this.follower.checkpoint()
    this.store.transaction(() => {
      this.store.setMeta('checkpoint', checkpointToJson(cursor))
      if (eventsSeen || this.store.getMeta('checkpoint-contexts') === undefined)
        this.store.setMeta(
          'checkpoint-contexts',
          checkpointToJson({
            nextL1Block: cursor.nextL1Block,
            recent: [],
            contexts: contexts ?? [],
          }),
        )
    })
  }

  /** One poll of L1: verify what arrived, then try to finalize. */
  async step(): Promise<void> {
    if (this.halted) return
    const events = await this.follower.step()
    for (const [i, e] of events.entries()) {
      if (this.halted) return
      if ((e.type === 'batch' || e.type === 'invalid') && revertedLater(events, i)) {
        // catching up through history: the owner reverted this batch further on in L1, so it
        // is not the chain any more and its verdict does not matter (the replacement follows)
        const index = e.type === 'batch' ? e.batch.index : e.batchIndex
        this.log.warn({ batch: String(index) }, 'batch skipped: reverted later on L1')
        continue
      }
      if (e.type === 'batch') {
        await this.prefetchOrigins(e.batch)
        this.handleBatch(e.batch)
      } else if (e.type === 'invalid') {
        this.halt(
          new BatchMismatchError(
            e.batchIndex,
            `committed data is not a valid batch: ${e.error.shortMessage}`,
            { tx: e.l1TxHash },
          ),
        )
      } else if (e.type === 'reverted') {
        const verified = this.store
          .batches()
          .filter((b) => b.index >= e.fromIndex && b.status !== 'mismatch')
        if (verified.length) this.rewind(e.fromIndex, 'reverted on L1')
      } else if (e.type === 'rewind') {
        this.origins.clear()
        this.log.warn({ l1Block: String(e.l1Block) }, 'L1 reorg: rewound derivation')
      }
    }
    this.saveCheckpoint(events.length > 0)
    this.metrics.l1Cursor.set(Number(this.follower.l1Cursor))
    if (this.finalizer && !this.halted) {
      const finalized = await this.finalizer.tick()
      if (finalized > 0) this.metrics.finalized.inc(finalized)
    }
  }

  /**
   * Batch `fromIndex` and what follows are gone or replaced on L1: roll the state tree and our
   * records back to the last block of batch `fromIndex - 1` in one transaction, so only the new
   * batches are re-executed. Falls back to a rebuild from genesis when that state is gone.
   */
  private rewind(fromIndex: bigint, why: string): void {
    const parent = fromIndex === 0n ? undefined : this.store.batch(fromIndex - 1n)
    if (fromIndex > 0n && (!parent || parent.status === 'mismatch'))
      throw new RebuildNeeded(`batch ${fromIndex} ${why}; batch ${fromIndex - 1n} is not verified`)
    const block = parent ? parent.lastBlock : 0n
    try {
      this.store.transaction(() => {
        this.state.rollbackTo(block)
        this.store.forgetAfter(block, fromIndex)
      })
    } catch (error) {
      if (error instanceof VersionPrunedError)
        throw new RebuildNeeded(`batch ${fromIndex} ${why}; block ${block} was pruned`)
      throw error
    }
    this.metrics.rewinds.inc()
    this.log.warn(
      { batch: String(fromIndex), block: String(block), root: this.store.head()?.stateRoot },
      `batch ${fromIndex} ${why}: rewound to block ${block}`,
    )
  }

  private rebuild(reason: string): void {
    this.log.warn({ reason }, 'rebuilding prover state from genesis')
    this.metrics.rebuilds.inc()
    const dir = this.config.dataDir
    this.store.close()
    for (const f of ['prover.sqlite', 'prover.sqlite-wal', 'prover.sqlite-shm'])
      if (existsSync(path.join(dir, f))) rmSync(path.join(dir, f))
    this.origins.clear()
    this.open()
  }

  start(): void {
    if (this.running) return
    this.running = true
    const tick = async () => {
      while (this.running) {
        try {
          await this.step()
        } catch (error) {
          if (error instanceof RebuildNeeded) {
            this.rebuild(error.shortMessage)
            continue
          }
          this.metrics.errors.inc()
          this.log.warn(
            { err: (error as Error).message.split('\n')[0] },
            'prover step failed; backing off',
          )
        }
        if (!this.running) break
        await new Promise<void>((r) => {
          this.wake = r
          this.timer = setTimeout(r, this.config.pollMs)
        })
      }
    }
    this.loop = tick()
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    // a cleared timer never resolves its sleep: wake the loop so it can see running=false
    this.wake?.()
    await this.loop
    await this.recovery?.close()
    this.store.close()
  }
}

/** Whether a `reverted` event after position `i` covers the batch event at `i`. */
function revertedLater(events: readonly FollowerEvent[], i: number): boolean {
  const e = events[i]
  const index =
    e?.type === 'batch' ? e.batch.index : e?.type === 'invalid' ? e.batchIndex : undefined
  if (index === undefined) return false
  return events.slice(i + 1).some((x) => x.type === 'reverted' && x.fromIndex <= index)
}
