import { type Address, fromHex, type Hex, keccak256Hex, type SignedTx } from '@lanes/core'
import { BatchContextUnavailableError } from './errors.js'

/**
 * How many preceding batches define a batch's address table (README §3.5). 32 batches of
 * 1,000 random transfers among 10k accounts name 96 % of the next batch's recipients; the
 * measurements that chose it are in README §9.
 */
export const CONTEXT_BATCHES = 32

/**
 * The address table a batch may reference (README §3.5): distinct addresses in order of first
 * appearance in the address lists of the previous batches, newest batch first.
 */
export type BatchContext = {
  readonly table: readonly Address[]
  /** keccak256 of the table's 20-byte addresses concatenated; the header commits to it */
  readonly hash: Hex
  /** lowercase address → table index (for encoders) */
  readonly index: ReadonlyMap<string, number>
}

function makeContext(table: Address[]): BatchContext {
  const bytes = new Uint8Array(table.length * 20)
  const index = new Map<string, number>()
  for (const [i, a] of table.entries()) {
    bytes.set(fromHex(a), i * 20)
    index.set(a, i)
  }
  return { table, hash: keccak256Hex(bytes), index }
}

/** The table of a batch with no predecessors (batch 0, or a self-contained batch). */
export const EMPTY_BATCH_CONTEXT: BatchContext = makeContext([])

const ADDRESS = /^0x[0-9a-f]{40}$/

/**
 * Builds the table from the address lists of the previous batches, newest first (list 0 is
 * batch i − 1). Callers pass at most CONTEXT_BATCHES lists, fewer near genesis.
 */
export function buildBatchContext(newestFirst: ReadonlyArray<readonly Address[]>): BatchContext {
  const seen = new Set<string>()
  const table: Address[] = []
  for (const list of newestFirst)
    for (const raw of list) {
      const a = raw.toLowerCase() as Address
      if (seen.has(a)) continue
      if (!ADDRESS.test(a))
        throw new BatchContextUnavailableError(`context: ${raw} is not an address`)
      seen.add(a)
      table.push(a)
    }
  return makeContext(table)
}

/** A 32-byte ABI word names an address when its first 12 bytes are zero and byte 12 is not. */
export function isAddressWord(data: Uint8Array, at: number): boolean {
  for (let b = at; b < at + 12; b++) if (data[b] !== 0) return false
  return data[at + 12] !== 0
}

/**
 * The addresses a batch contributes to its successors' tables (README §3.5), a function of its
 * txs only: per tx in batch order, `to` (if any), then every address word of ABI-shaped calldata.
 */
export function batchAddresses(txs: Iterable<Pick<SignedTx, 'to' | 'data'>>): Address[] {
  const out: Address[] = []
  for (const tx of txs) {
    if (tx.to !== null) out.push(tx.to.toLowerCase() as Address)
    const d = tx.data
    if (d.length < 4 || (d.length - 4) % 32 !== 0) continue
    for (let at = 4; at < d.length; at += 32)
      if (isAddressWord(d, at))
        out.push(
          `0x${Buffer.from(d.buffer, d.byteOffset + at + 12, 20).toString('hex')}` as Address,
        )
  }
  return out
}
