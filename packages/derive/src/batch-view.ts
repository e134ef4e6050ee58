import type { DerivedBatch } from './derive-batch.js'

/** bigints as decimal strings, bytes as 0x-hex: how the CLI prints and the scan store keeps. */
export const jsonReplacer = (_: string, v: unknown) =>
  typeof v === 'bigint'
    ? v.toString()
    : v instanceof Uint8Array
      ? `0x${Buffer.from(v).toString('hex')}`
      : v

/** One line per batch (JSON-safe: bigints as strings). */
export type BatchSummary = {
  index: string
  blocks: string
  txs: number
  deposits: number
  da: 'calldata' | 'blobs'
  bytes: number
  postStateRoot: string
  l1Block: string
  l1Tx: string
}

export function batchSummary(b: DerivedBatch): BatchSummary {
  return {
    index: b.index.toString(),
    blocks: `${b.header.firstBlock}-${b.header.lastBlock}`,
    txs: b.blocks.reduce((n, x) => n + x.txs.length, 0),
    deposits: b.blocks.reduce((n, x) => n + x.deposits.length, 0),
    da: b.daMode,
    bytes: b.payloadBytes,
    postStateRoot: b.header.postStateRoot,
    l1Block: b.l1.l1BlockNumber.toString(),
    l1Tx: b.l1.l1TxHash,
  }
}

/** What `lanes-derive batch` prints with --json: the summary, the header and every block. */
export function batchDocument(b: DerivedBatch): string {
  return JSON.stringify({ ...batchSummary(b), header: b.header, blocks: b.blocks }, jsonReplacer)
}

type DocTx = { hash: string; type: string | number; from: string; to: string | null; value: string }
type DocDeposit = { hash: string; from: string; to: string | null; mint: string }
export type BatchDocument = BatchSummary & {
  blocks: Array<{ number: string; txs: DocTx[]; deposits: DocDeposit[] }>
}

/** The rows of the text form of `lanes-derive batch`. */
export function txRows(doc: BatchDocument): Record<string, unknown>[] {
  return doc.blocks.flatMap((blk) => [
    ...blk.deposits.map((d) => ({
      block: blk.number,
      hash: d.hash,
      type: 'deposit',
      from: d.from,
      to: d.to ?? '(create)',
      value: d.mint,
    })),
    ...blk.txs.map((t) => ({
      block: blk.number,
      hash: t.hash,
      type: String(t.type),
      from: t.from,
      to: t.to ?? '(create)',
      value: t.value,
    })),
  ])
}
