import {
  type BatchContext,
  batchAddresses,
  buildBatchContext,
  CONTEXT_BATCHES,
  EMPTY_BATCH_CONTEXT,
} from '@lanes/batch-codec'
import { type Address, decodeTransaction, toHex } from '@lanes/core'
import type { SealedBlock } from './block-source.js'
import type { BatchRecord } from './store.js'

type Cached = { key: string; addresses: readonly Address[] }

export type BatchContextDeps = {
  chainId: bigint
  /** the batcher's record of batch `index` (SQLite: block range and post root) */
  record: (index: bigint) => BatchRecord | undefined
  /** sealed blocks `from..to` (the sequencer's lanes_getBlockRange) */
  blocks: (from: bigint, to: bigint) => Promise<SealedBlock[]>
}

/**
 * The address table a new batch is encoded against (batch-codec README §3.5): the address lists
 * of the previous CONTEXT_BATCHES batches as recorded in SQLite, read from their blocks. A list
 * is cached under its batch's block range and post root, so a replaced batch (revert, L1
 * reorg, restart) is re-read and never stale. When a predecessor has no usable record the new
 * batch is encoded self-contained: decoders accept that at any index.
 */
export class BatcherContexts {
  private readonly cache = new Map<bigint, Cached>()

  constructor(private readonly d: BatchContextDeps) {}

  async contextFor(index: bigint): Promise<BatchContext> {
    const lists: Array<readonly Address[]> = []
    for (let j = index - 1n; j >= 0n && j >= index - BigInt(CONTEXT_BATCHES); j--) {
      const r = this.d.record(j)
      if (!r || r.status === 'failed') return EMPTY_BATCH_CONTEXT
      const key = `${r.firstBlock}-${r.lastBlock}-${r.postRoot}`
      let c = this.cache.get(j)
      if (c?.key !== key) {
        const blocks = await this.d.blocks(r.firstBlock, r.lastBlock)
        if (blocks.length !== Number(r.lastBlock - r.firstBlock + 1n)) return EMPTY_BATCH_CONTEXT
        const txs = blocks.flatMap((b) =>
          b.txs.map((raw) => decodeTransaction(raw, { chainId: this.d.chainId })),
        )
        c = { key, addresses: [...new Set(batchAddresses(txs))] }
        this.cache.set(j, c)
      }
      lists.push(c.addresses)
    }
    for (const k of this.cache.keys())
      if (k < index - BigInt(CONTEXT_BATCHES) - 8n) this.cache.delete(k)
    return buildBatchContext(lists)
  }
}

/** A table as job data: its 20-byte addresses concatenated, base64 (27 characters each). */
export function tableToJob(context: BatchContext): string {
  return Buffer.concat(context.table.map((a) => Buffer.from(a.slice(2), 'hex'))).toString('base64')
}

export function tableFromJob(data: string | undefined): BatchContext {
  if (!data) return EMPTY_BATCH_CONTEXT
  const bytes = Buffer.from(data, 'base64')
  const table: Address[] = []
  for (let at = 0; at + 20 <= bytes.length; at += 20)
    table.push(toHex(bytes.subarray(at, at + 20)) as Address)
  return buildBatchContext([table])
}
