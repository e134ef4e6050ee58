import type { Hex } from 'viem'

/** The Rollup events the index reads (a RollupLog fits; other kinds are ignored). */
export type FinalizedBatchesLog = { blockNumber: bigint } & (
  | {
      kind: 'BatchCommitted'
      batchIndex: bigint
      firstBlock: bigint
      lastBlock: bigint
      postStateRoot: Hex
    }
  | { kind: 'BatchFinalized'; batchIndex: bigint; postStateRoot: Hex }
  | { kind: 'DepositQueued' | 'BatchesReverted' }
)

/** A batch finalized on L1, as proveAndClaimWithdrawal takes it. */
export type FinalizedBatch = { index: bigint; firstBlock: bigint; lastBlock: bigint; root: Hex }

type Commit = { l1Block: bigint; firstBlock: bigint; lastBlock: bigint; root: Hex }

/**
 * Which finalized batch holds an L2 block, kept up to date from the Rollup's events as they are
 * read, so a lookup costs no L1 call (providers cap eth_getLogs ranges; a scan from the
 * deployment per lookup stops working on a long-lived L1). A re-committed index counts by its
 * last commit, and a finalization only when its root is that commit's root. Feed logs in chain
 * order; after an L1 reorg, `rewindTo` the last block still canonical and feed again from there.
 */
export class FinalizedBatches {
  /** every commit per index, oldest first: a rewind can bring back an earlier one */
  readonly #commits = new Map<bigint, Commit[]>()
  /** finalized batches in index order (the contract finalizes strictly in order) */
  #finalized: Array<FinalizedBatch & { l1Block: bigint }> = []

  apply(log: FinalizedBatchesLog): void {
    if (log.kind === 'BatchCommitted') {
      const list = this.#commits.get(log.batchIndex) ?? []
      list.push({
        l1Block: log.blockNumber,
        firstBlock: log.firstBlock,
        lastBlock: log.lastBlock,
        root: log.postStateRoot,
      })
      this.#commits.set(log.batchIndex, list)
    } else if (log.kind === 'BatchFinalized') {
      const c = this.#commits.get(log.batchIndex)?.at(-1)
      const last = this.#finalized.at(-1)
      if (!c || c.root !== log.postStateRoot) return
      if (last && log.batchIndex <= last.index) return
      this.#finalized.push({
        index: log.batchIndex,
        firstBlock: c.firstBlock,
        lastBlock: c.lastBlock,
        root: c.root,
        l1Block: log.blockNumber,
      })
    }
  }

  /** Forgets what L1 blocks after `l1Block` said. */
  rewindTo(l1Block: bigint): void {
    for (const [index, list] of this.#commits) {
      const kept = list.filter((c) => c.l1Block <= l1Block)
      if (kept.length) this.#commits.set(index, kept)
      else this.#commits.delete(index)
    }
    this.#finalized = this.#finalized.filter((f) => f.l1Block <= l1Block)
  }

  /** The finalized batch whose L2 block range holds `l2Block`; undefined while none does. */
  find(l2Block: bigint): FinalizedBatch | undefined {
    const f = this.#finalized
    let lo = 0
    let hi = f.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const b = f[mid]!
      if (l2Block < b.firstBlock) hi = mid - 1
      else if (l2Block > b.lastBlock) lo = mid + 1
      else return { index: b.index, firstBlock: b.firstBlock, lastBlock: b.lastBlock, root: b.root }
    }
    return undefined
  }

  /** Finalized batches known. */
  get size(): number {
    return this.#finalized.length
  }
}
