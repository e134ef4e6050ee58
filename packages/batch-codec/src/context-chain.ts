import type { Address } from '@lanes/core'
import { type BatchContext, buildBatchContext, CONTEXT_BATCHES } from './context.js'
import { BatchContextUnavailableError } from './errors.js'

/**
 * How many batches below the newest a chain keeps at most (a memory bound: a replacement
 * deeper than this below the newest batch cannot be decoded without a rescan).
 */
export const CONTEXT_RETAIN = CONTEXT_BATCHES + 256

type Entry = { addresses: readonly Address[]; stamp: bigint }
type Undo = { stamp: bigint; added?: bigint; removed: Array<[bigint, Entry]> }

/** What a checkpoint keeps of a chain (JSON-friendly apart from bigints). */
export type BatchContextEntry = { index: bigint; stamp: bigint; addresses: readonly Address[] }

/**
 * The address lists of the canonical batches by index, from which the context of the next
 * batch is built (README §3.5). Setting batch i replaces it and forgets every batch above it
 * (a replacement is decoded with the same predecessors, and its successors are void).
 * Each change carries a stamp (an L1 block number for derive, 0 elsewhere) so an L1 reorg can
 * undo the changes made after a block with `rewindTo`.
 */
export class BatchContextChain {
  private readonly lists = new Map<bigint, Entry>()
  private undo: Undo[] = []

  constructor(
    readonly depth = CONTEXT_BATCHES,
    entries: readonly BatchContextEntry[] = [],
  ) {
    for (const e of entries) this.lists.set(e.index, { addresses: e.addresses, stamp: e.stamp })
  }

  /** Records batch `index`'s address list (`batchAddresses` of its txs). */
  set(index: bigint, addresses: readonly Address[], stamp = 0n): void {
    const removed = this.removeFrom(index)
    this.lists.set(index, { addresses: [...new Set(addresses)], stamp })
    this.undo.push({ stamp, added: index, removed })
    this.pruneBelow(index - BigInt(CONTEXT_RETAIN))
  }

  /**
   * Forgets batches below `index` for good (e.g. below lastFinalized + 1 − depth: no batch
   * that can still be replaced needs them).
   */
  pruneBelow(index: bigint): void {
    for (const k of [...this.lists.keys()]) if (k < index) this.lists.delete(k)
  }

  /** Forgets batches ≥ fromIndex (reverted on L1). */
  truncate(fromIndex: bigint, stamp = 0n): void {
    this.undo.push({ stamp, removed: this.removeFrom(fromIndex) })
  }

  /**
   * Undoes every change stamped after `stamp` (an L1 reorg back to that block): changes are
   * undone newest first, then any entry still stamped later is dropped (after a restart the
   * undo records are gone, but a later entry can only have come from the void blocks).
   */
  rewindTo(stamp: bigint): void {
    while (this.undo.length && this.undo.at(-1)!.stamp > stamp) {
      const u = this.undo.pop()!
      if (u.added !== undefined) this.lists.delete(u.added)
      for (const [k, e] of u.removed) this.lists.set(k, e)
    }
    for (const [k, e] of [...this.lists.entries()]) if (e.stamp > stamp) this.lists.delete(k)
  }

  /** Drops undo records at or before `stamp` (no reorg can reach below it any more). */
  forgetUndoBefore(stamp: bigint): void {
    this.undo = this.undo.filter((u) => u.stamp >= stamp)
  }

  has(index: bigint): boolean {
    return this.lists.has(index)
  }

  /** The address lists the chain holds, oldest first (for checkpoints). */
  entries(): BatchContextEntry[] {
    return [...this.lists.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([index, e]) => ({ index, stamp: e.stamp, addresses: e.addresses }))
  }

  /**
   * The context of batch `index`: the lists of batches index − 1 down to index − depth (or 0).
   * Throws BatchContextUnavailableError when one of them is not held.
   */
  contextFor(index: bigint): BatchContext {
    const lists: Array<readonly Address[]> = []
    for (let k = index - 1n; k >= 0n && k >= index - BigInt(this.depth); k--) {
      const e = this.lists.get(k)
      if (!e)
        throw new BatchContextUnavailableError(
          `the context of batch ${index} needs batch ${k}'s addresses, which are not known`,
        )
      lists.push(e.addresses)
    }
    return buildBatchContext(lists)
  }

  private removeFrom(index: bigint): Array<[bigint, Entry]> {
    const removed: Array<[bigint, Entry]> = []
    for (const [k, e] of [...this.lists.entries()])
      if (k >= index) {
        removed.push([k, e])
        this.lists.delete(k)
      }
    return removed
  }
}
