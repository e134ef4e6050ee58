import { type BlockSource, rawBytesOf, type SealedBlock } from './block-source.js'

/**
 * Unbatched blocks fetched from the sequencer once: the backlog meter reads their sizes as they
 * seal, and the planner takes them from here instead of fetching the whole open range again
 * on every wake-up (a batch waiting for its max delay is planned many times). Sizes are kept
 * for every unbatched block; the blocks themselves up to `maxBytes`, lowest first (the next
 * batch needs those), and the planner fetches whatever is missing.
 */
export class BlockCache {
  private readonly blocks = new Map<bigint, SealedBlock>()
  private readonly sizes = new Map<bigint, number>()
  private heldBytes = 0
  /** every block up to here has its size in `sizes` (or was batched) */
  private measured = 0n
  private trimmed = 0n

  constructor(
    private readonly source: BlockSource,
    private readonly chunk: bigint,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** blocks up to `n` are batched: forget them */
  trim(n: bigint): void {
    if (n < this.trimmed) {
      // our records were dropped back to `n` (L1 rejected them): measure again from there
      this.sizes.clear()
      this.measured = n
    }
    this.trimmed = n
    for (const k of this.sizes.keys()) if (k <= n) this.sizes.delete(k)
    for (const [k, b] of this.blocks)
      if (k <= n) {
        this.heldBytes -= rawBytesOf(b)
        this.blocks.delete(k)
      }
    if (this.measured < n) this.measured = n
  }

  private keep(b: SealedBlock): void {
    const n = b.header.number
    const size = rawBytesOf(b)
    this.sizes.set(n, size)
    while (this.sizes.has(this.measured + 1n)) this.measured++
    if (this.blocks.has(n) || this.heldBytes + size > this.maxBytes) return
    this.blocks.set(n, b)
    this.heldBytes += size
  }

  /** blocks `from`..`to` inclusive (fewer past the sealed head), fetching only what is missing */
  async range(from: bigint, to: bigint): Promise<SealedBlock[]> {
    const out: SealedBlock[] = []
    for (let n = from; n <= to; ) {
      const hit = this.blocks.get(n)
      if (hit) {
        out.push(hit)
        n++
        continue
      }
      const end = n + this.chunk - 1n < to ? n + this.chunk - 1n : to
      const got = await this.source.getBlockRange(n, end)
      for (const b of got) {
        this.keep(b)
        out.push(b)
      }
      if (got.length < Number(end - n + 1n)) break
      n = end + 1n
    }
    return out
  }

  /**
   * Raw tx bytes of the unbatched blocks after `lastBatched` up to `sealed`, reading at most
   * `budget` new blocks this call; blocks not read yet count at the average of those read.
   */
  async backlogBytes(lastBatched: bigint, sealed: bigint, budget = 1024): Promise<number> {
    this.trim(lastBatched)
    let from = this.measured + 1n
    const stop = sealed < from + BigInt(budget) - 1n ? sealed : from + BigInt(budget) - 1n
    while (from <= stop) {
      const end = from + this.chunk - 1n < stop ? from + this.chunk - 1n : stop
      const got = await this.source.getBlockRange(from, end)
      for (const b of got) this.keep(b)
      if (got.length === 0) break
      from = end + 1n
    }
    let bytes = 0
    for (const v of this.sizes.values()) bytes += v
    const unread = sealed > this.measured ? Number(sealed - this.measured) : 0
    return bytes + (this.sizes.size ? (bytes / this.sizes.size) * unread : 0)
  }
}
