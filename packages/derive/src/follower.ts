import {
  BatchContextChain,
  type BatchContextEntry,
  batchAddresses,
  CONTEXT_BATCHES,
} from '@lanes/batch-codec'
import type { Hex } from 'viem'
import { DepositQueue } from './deposits.js'
import { type DeriveBatchOptions, type DerivedBatch, deriveBatch } from './derive-batch.js'
import { BatchDataMismatchError, InvalidBatchError } from './errors.js'
import type { DeriveL1, RollupLog } from './l1.js'

export type FollowerEvent =
  | { type: 'batch'; batch: DerivedBatch }
  /** committed data that can never become a valid batch: a verifier must refuse it */
  | {
      type: 'invalid'
      batchIndex: bigint
      l1TxHash: Hex
      /** the L1 block of the commit */
      l1Block: bigint
      error: InvalidBatchError | BatchDataMismatchError
    }
  | { type: 'reverted'; fromIndex: bigint; l1Block: bigint }
  | { type: 'finalized'; batchIndex: bigint; postStateRoot: Hex; l1Block: bigint }
  /** an L1 reorg: everything read from L1 blocks after `l1Block` is void */
  | { type: 'rewind'; l1Block: bigint }

/** Where the follower stands; persist it to resume without rescanning batches. */
export type FollowerCheckpoint = {
  /** next L1 block to read */
  nextL1Block: bigint
  /** hashes of recently processed L1 blocks (range ends), newest last, to find a common ancestor */
  recent: Array<{ number: bigint; hash: Hex }>
  /**
   * address lists of the recent canonical batches (batch-codec README §3.5), stamped with the
   * L1 block that committed them: a resumed follower decodes the next batches against them
   */
  contexts?: BatchContextEntry[]
}

/** A checkpoint as JSON text (bigints as "123n"), for a database row or a file. */
export function checkpointToJson(c: FollowerCheckpoint): string {
  return JSON.stringify(c, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
}

export function checkpointFromJson(json: string): FollowerCheckpoint {
  return JSON.parse(json, (_, v: unknown) =>
    typeof v === 'string' && /^[0-9]+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as FollowerCheckpoint
}

export type RollupFollowerOptions = Omit<DeriveBatchOptions, 'deposits' | 'contextFor'> & {
  /** L1 block of the Rollup deployment */
  startBlock: bigint
  /** only read L1 blocks this deep under the head */
  confirmations: bigint
  /** most L1 blocks read per step */
  maxRange?: bigint
  checkpoint?: FollowerCheckpoint
}

const KEEP_RECENT = 256

/**
 * Follows the Rollup contract on L1 and turns its events into derived batches, in order,
 * rewinding to the common ancestor when L1 reorganises. Call `step()` in a loop.
 */
export class RollupFollower {
  readonly deposits = new DepositQueue()
  /** the canonical batches' address lists, for the next batches' address tables */
  readonly contexts: BatchContextChain
  private nextL1Block: bigint
  private recent: Array<{ number: bigint; hash: Hex }>
  private depositsLoaded: boolean

  constructor(
    private readonly l1: DeriveL1,
    private readonly options: RollupFollowerOptions,
  ) {
    this.nextL1Block = options.checkpoint?.nextL1Block ?? options.startBlock
    this.recent = [...(options.checkpoint?.recent ?? [])]
    this.depositsLoaded = this.nextL1Block === options.startBlock
    this.contexts = new BatchContextChain(CONTEXT_BATCHES, options.checkpoint?.contexts ?? [])
  }

  checkpoint(): FollowerCheckpoint {
    return {
      nextL1Block: this.nextL1Block,
      recent: [...this.recent],
      contexts: this.contexts.entries(),
    }
  }

  /** The highest L1 block already read (startBlock - 1 before the first step). */
  get l1Cursor(): bigint {
    return this.nextL1Block - 1n
  }

  private async findRewind(): Promise<bigint | undefined> {
    const last = this.recent.at(-1)
    if (!last) return undefined
    const now = await this.l1.block(last.number).catch(() => undefined)
    if (now && now.hash === last.hash) return undefined
    for (let i = this.recent.length - 2; i >= 0; i--) {
      const r = this.recent[i]!
      const b = await this.l1.block(r.number).catch(() => undefined)
      if (b && b.hash === r.hash) return r.number
    }
    return this.options.startBlock - 1n
  }

  /** Read the next range of confirmed L1 blocks. Throws on transient L1 errors (retry the step). */
  async step(): Promise<FollowerEvent[]> {
    const events: FollowerEvent[] = []
    if (!this.depositsLoaded) {
      // resumed from a checkpoint: refill the deposit queue (deposits are cheap to re-read)
      await this.deposits.scan(this.l1, this.options.startBlock, this.nextL1Block - 1n)
      this.depositsLoaded = true
    }
    const ancestor = await this.findRewind()
    if (ancestor !== undefined) {
      this.deposits.rewindTo(ancestor)
      this.contexts.rewindTo(ancestor)
      this.recent = this.recent.filter((r) => r.number <= ancestor)
      this.nextL1Block = ancestor + 1n
      events.push({ type: 'rewind', l1Block: ancestor })
    }
    const head = (await this.l1.headNumber()) - this.options.confirmations
    if (head < this.nextL1Block) return events
    const maxRange = this.options.maxRange ?? 2_000n
    const to = head < this.nextL1Block + maxRange - 1n ? head : this.nextL1Block + maxRange - 1n
    const end = await this.l1.block(to)
    const logs = await this.l1.logs(this.nextL1Block, to)
    events.push(...(await this.apply(logs)))
    this.recent.push({ number: end.number, hash: end.hash })
    if (this.recent.length > KEEP_RECENT) this.recent.splice(0, this.recent.length - KEEP_RECENT)
    // a reorg never rewinds below the oldest block remembered (or restarts from startBlock)
    this.contexts.forgetUndoBefore(this.recent[0]!.number)
    this.nextL1Block = to + 1n
    return events
  }

  private async apply(logs: RollupLog[]): Promise<FollowerEvent[]> {
    const out: FollowerEvent[] = []
    for (const log of logs) {
      switch (log.kind) {
        case 'DepositQueued':
          this.deposits.add(log)
          break
        case 'BatchesReverted':
          this.contexts.truncate(log.fromIndex, log.blockNumber)
          out.push({ type: 'reverted', fromIndex: log.fromIndex, l1Block: log.blockNumber })
          break
        case 'BatchFinalized':
          // a finalized batch is never replaced: no later replacement needs older lists
          this.contexts.pruneBelow(log.batchIndex + 1n - BigInt(CONTEXT_BATCHES))
          out.push({
            type: 'finalized',
            batchIndex: log.batchIndex,
            postStateRoot: log.postStateRoot,
            l1Block: log.blockNumber,
          })
          break
        case 'BatchCommitted':
          try {
            const batch = await deriveBatch(this.l1, log, {
              ...this.options,
              deposits: this.deposits,
              contextFor: (index) => this.contexts.contextFor(index),
            })
            this.contexts.set(
              batch.index,
              batchAddresses(batch.blocks.flatMap((b) => b.txs)),
              log.blockNumber,
            )
            out.push({ type: 'batch', batch })
          } catch (error) {
            if (error instanceof InvalidBatchError || error instanceof BatchDataMismatchError) {
              // its successors have no context until it is replaced
              this.contexts.truncate(log.batchIndex, log.blockNumber)
              out.push({
                type: 'invalid',
                batchIndex: log.batchIndex,
                l1TxHash: log.txHash,
                l1Block: log.blockNumber,
                error,
              })
            } else throw error
          }
          break
      }
    }
    return out
  }
}
