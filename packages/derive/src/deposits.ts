import { type DepositTx, depositToTx } from '@lanes/core'
import { MissingDepositError } from './errors.js'
import type { DepositQueuedLog, DeriveL1, RollupLog } from './l1.js'

/**
 * The L1 deposit queue as derive has read it so far. Fed with DepositQueued logs in
 * chain order; rewound on L1 reorgs. Deposits are L2 transactions only by position.
 */
export class DepositQueue {
  private readonly byIndex = new Map<bigint, DepositTx>()
  private readonly l1Block = new Map<bigint, bigint>()

  add(log: DepositQueuedLog & { blockNumber: bigint }): void {
    this.byIndex.set(
      log.index,
      depositToTx({
        index: log.index,
        from: log.from,
        to: log.to,
        mint: log.mint,
        value: log.value,
        gasLimit: log.gasLimit,
        data: log.data,
        queueHash: log.queueHash,
        l1BlockNumber: log.blockNumber,
      }),
    )
    this.l1Block.set(log.index, log.blockNumber)
  }

  /** The deposit at queue position `index`, if read. */
  get(index: bigint): DepositTx | undefined {
    return this.byIndex.get(index)
  }

  get size(): number {
    return this.byIndex.size
  }

  /** Deposits [from, to) in queue order; throws when one is missing. */
  range(from: bigint, to: bigint): DepositTx[] {
    const out: DepositTx[] = []
    for (let i = from; i < to; i++) {
      const d = this.byIndex.get(i)
      if (!d) throw new MissingDepositError(`deposit ${i} is not in the L1 queue read so far`)
      out.push(d)
    }
    return out
  }

  /** Forget deposits queued in L1 blocks after `l1Block` (reorg rewind). */
  rewindTo(l1Block: bigint): void {
    for (const [i, b] of this.l1Block) {
      if (b > l1Block) {
        this.l1Block.delete(i)
        this.byIndex.delete(i)
      }
    }
  }

  /** Read every DepositQueued log in [from, to] into the queue. */
  async scan(l1: DeriveL1, from: bigint, to: bigint, step = 5_000n): Promise<void> {
    for (let a = from; a <= to; a += step) {
      const b = a + step - 1n < to ? a + step - 1n : to
      for (const log of await l1.logs(a, b)) if (log.kind === 'DepositQueued') this.add(log)
    }
  }

  static isDeposit(log: RollupLog): log is DepositQueuedLog & RollupLog {
    return log.kind === 'DepositQueued'
  }
}
