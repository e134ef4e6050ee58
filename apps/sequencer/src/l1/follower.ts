import { rollupAbi } from '@lanes/contracts'
import { type DepositTx, type Hex, type L1Origin, l1OriginOf } from '@lanes/core'
import {
  DepositQueue,
  type DeriveL1,
  type FinalizedBatch,
  FinalizedBatches,
  viemDeriveL1,
} from '@lanes/derive'
import { type Address, createPublicClient, http, type PublicClient } from 'viem'
import type { DepositSource } from '../builder/builder.js'
import type { L1View } from '../sequencer.js'

export type L1FollowerOptions = {
  rpcUrl: string
  rollup: Address
  /** L1 block of the Rollup deployment: deposits are read from here */
  startBlock: bigint
  /** L1 blocks on top before an origin or deposit is used */
  confirmations: bigint
  pollMs: number
  onError?: (error: unknown) => void
}

/**
 * Follows L1 for the sequencer: the confirmed L1 head becomes each new L2 block's origin
 * (never moving backwards), DepositQueued events fill the deposit queue (rewound on reorgs),
 * and the Rollup's commit/finalize progress gives the safe and finalized L2 heads.
 */
export class L1Follower implements L1View {
  readonly queue = new DepositQueue()
  readonly deposits: DepositSource
  readonly #client: PublicClient
  readonly #l1: DeriveL1
  #origin: L1Origin | undefined
  #head: { number: bigint; hash: Hex } | null = null
  #next: bigint
  #last: { number: bigint; hash: Hex } | undefined
  #heads = { batched: 0n, committed: 0n, finalized: 0n }
  /** finalized batches from the confirmed events read so far (lanes_getWithdrawalProof) */
  readonly #finalizedBatches = new FinalizedBatches()
  #timer: NodeJS.Timeout | undefined
  #running = false

  constructor(private readonly o: L1FollowerOptions) {
    this.#client = createPublicClient({
      transport: http(o.rpcUrl, { retryCount: 1, timeout: 10_000 }),
    })
    this.#l1 = viemDeriveL1({ rpcUrl: o.rpcUrl, rollup: o.rollup, client: this.#client })
    this.#next = o.startBlock
    this.deposits = {
      due: (cursor, originNumber, max) => {
        const out: DepositTx[] = []
        for (let i = cursor; out.length < max; i++) {
          const d = this.queue.get(i)
          if (!d || d.l1BlockNumber > originNumber) break
          out.push(d)
        }
        return out
      },
    }
  }

  origin(): L1Origin {
    if (!this.#origin) throw new Error('L1 origin unknown: call L1Follower.sync() before sealing')
    return this.#origin
  }

  batchHeads() {
    return this.#heads
  }

  l1Head() {
    return this.#head
  }

  /**
   * The finalized batch holding `l2Block` (for lanes_getWithdrawalProof), from the events read
   * up to the confirmed L1 head; none yet: undefined.
   */
  async finalizedBatchOf(l2Block: bigint): Promise<FinalizedBatch | undefined> {
    return this.#finalizedBatches.find(l2Block)
  }

  /** Whether an L1 origin is known: L1 has more blocks than the confirmation depth. */
  hasOrigin(): boolean {
    return this.#origin !== undefined
  }

  /** One poll: head, reorg check, new deposits, origin, batch progress. */
  async sync(): Promise<void> {
    const latest = await this.#client.getBlock({ blockTag: 'latest' })
    this.#head = { number: latest.number, hash: latest.hash }
    const target = latest.number - this.o.confirmations
    if (target < 0n) return
    if (this.#last) {
      const now = await this.#client
        .getBlock({ blockNumber: this.#last.number })
        .catch(() => undefined)
      if (now && now.hash !== this.#last.hash) {
        // L1 reorged under our confirmations: forget deposits we may have read from lost blocks
        const back = this.#last.number > 64n ? this.#last.number - 64n : this.o.startBlock
        this.queue.rewindTo(back)
        this.#finalizedBatches.rewindTo(back)
        this.#next = back + 1n
        this.#last = undefined
      }
    }
    if (this.#next <= target) {
      const to = target - this.#next > 5_000n ? this.#next + 5_000n : target
      for (const log of await this.#l1.logs(this.#next, to)) {
        if (log.kind === 'DepositQueued') this.queue.add(log)
        this.#finalizedBatches.apply(log)
      }
      const end = await this.#client.getBlock({ blockNumber: to })
      this.#last = { number: end.number, hash: end.hash }
      this.#next = to + 1n
    }
    const originBlock = await this.#client.getBlock({
      blockNumber: this.#next - 1n > target ? target : this.#next - 1n,
    })
    const origin = l1OriginOf({ ...originBlock, hash: originBlock.hash })
    if (!this.#origin || origin.number > this.#origin.number) this.#origin = origin
    await this.#syncBatches(target)
  }

  async #syncBatches(safeBlock: bigint): Promise<void> {
    const read = <T>(
      functionName: 'lastCommittedBlock' | 'nextFinalizedIndex',
      blockNumber?: bigint,
    ) =>
      this.#client.readContract({
        address: this.o.rollup,
        abi: rollupAbi,
        functionName,
        ...(blockNumber === undefined ? {} : { blockNumber }),
      }) as Promise<T>
    // finalized as of the same confirmed L1 block as safe: a finalize tx at the L1 tip can
    // still be reorged out, and a finalized head must never run ahead of safe or move back
    const [batched, committed, nextFinal] = await Promise.all([
      read<bigint>('lastCommittedBlock'),
      read<bigint>('lastCommittedBlock', safeBlock),
      read<bigint>('nextFinalizedIndex', safeBlock),
    ])
    let finalized = 0n
    if (nextFinal > 0n) {
      const b = (await this.#client.readContract({
        address: this.o.rollup,
        abi: rollupAbi,
        functionName: 'batches',
        args: [nextFinal - 1n],
        blockNumber: safeBlock,
      })) as { lastBlock: bigint }
      finalized = b.lastBlock
    }
    this.#heads = { batched, committed, finalized }
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    const tick = async () => {
      if (!this.#running) return
      try {
        await this.sync()
      } catch (error) {
        this.o.onError?.(error)
      }
      if (this.#running) this.#timer = setTimeout(() => void tick(), this.o.pollMs)
    }
    this.#timer = setTimeout(() => void tick(), this.o.pollMs)
  }

  stop(): void {
    this.#running = false
    if (this.#timer) clearTimeout(this.#timer)
  }
}
