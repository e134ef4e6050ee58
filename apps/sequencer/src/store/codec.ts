import {
  type Address,
  type BlockHeader,
  DEPOSIT_TX_TYPE,
  type DepositTx,
  decodeTransaction,
  fromHex,
  type Hex,
  type L2Tx,
  type Log,
  type Receipt,
  type RecoveredTx,
  toHex,
} from '@lanes/core'

/**
 * Byte layouts of what the store keeps. Blocks keep their txs as one body blob of
 * length-prefixed entries (so one tx can be read without decoding the others) and their
 * receipts as one compact JSON array; both are written once per block.
 */

const q = (v: bigint) => `0x${v.toString(16)}`

export function encodeHeader(h: BlockHeader): string {
  return JSON.stringify({
    number: q(h.number),
    hash: h.hash,
    parentHash: h.parentHash,
    timestamp: q(h.timestamp),
    stateRoot: h.stateRoot,
    transactionsRoot: h.transactionsRoot,
    receiptsRoot: h.receiptsRoot,
    logsBloom: h.logsBloom,
    gasLimit: q(h.gasLimit),
    gasUsed: q(h.gasUsed),
    baseFeePerGas: q(h.baseFeePerGas),
    coinbase: h.coinbase,
    l1OriginNumber: q(h.l1OriginNumber),
    l1OriginHash: h.l1OriginHash,
    depositCursor: q(h.depositCursor),
  })
}

export function decodeHeader(text: string): BlockHeader {
  const j = JSON.parse(text) as Record<string, string>
  return {
    number: BigInt(j.number!),
    hash: j.hash as Hex,
    parentHash: j.parentHash as Hex,
    timestamp: BigInt(j.timestamp!),
    stateRoot: j.stateRoot as Hex,
    transactionsRoot: j.transactionsRoot as Hex,
    receiptsRoot: j.receiptsRoot as Hex,
    logsBloom: j.logsBloom as Hex,
    gasLimit: BigInt(j.gasLimit!),
    gasUsed: BigInt(j.gasUsed!),
    baseFeePerGas: BigInt(j.baseFeePerGas!),
    coinbase: j.coinbase as Address,
    l1OriginNumber: BigInt(j.l1OriginNumber!),
    l1OriginHash: j.l1OriginHash as Hex,
    depositCursor: BigInt(j.depositCursor!),
  }
}

const KIND_SIGNED = 0
const KIND_DEPOSIT = 1
const enc = new TextEncoder()
const dec = new TextDecoder()

export function encodeDeposit(tx: DepositTx): Uint8Array {
  return enc.encode(
    JSON.stringify({
      hash: tx.hash,
      queueIndex: q(tx.queueIndex),
      from: tx.from,
      to: tx.to,
      mint: q(tx.mint),
      value: q(tx.value),
      gasLimit: q(tx.gasLimit),
      data: toHex(tx.data),
      l1BlockNumber: q(tx.l1BlockNumber),
    }),
  )
}

export function decodeDeposit(bytes: Uint8Array): DepositTx {
  const j = JSON.parse(dec.decode(bytes)) as Record<string, string | null>
  return {
    type: DEPOSIT_TX_TYPE,
    hash: j.hash as Hex,
    queueIndex: BigInt(j.queueIndex!),
    from: j.from as Address,
    to: (j.to ?? null) as Address | null,
    mint: BigInt(j.mint!),
    value: BigInt(j.value!),
    gasLimit: BigInt(j.gasLimit!),
    data: fromHex(j.data!),
    l1BlockNumber: BigInt(j.l1BlockNumber!),
  }
}

/** A signed tx with its sender, as journaled: sender(20) ‖ raw. */
export function encodeSigned(tx: RecoveredTx): Uint8Array {
  const out = new Uint8Array(20 + tx.raw.length)
  out.set(fromHex(tx.from), 0)
  out.set(tx.raw, 20)
  return out
}

/**
 * Rebuilds a signed tx from its journaled bytes. The sender is trusted (we recovered it before
 * writing), so no signature recovery runs again on restart or read.
 */
export function decodeSigned(bytes: Uint8Array, chainId: bigint): RecoveredTx {
  const from = toHex(bytes.subarray(0, 20)) as Address
  const raw = bytes.slice(20)
  const tx = decodeTransaction(raw, { chainId, maxSize: Number.MAX_SAFE_INTEGER })
  return Object.assign(tx, { from })
}

/** Block body: per tx kind(1) ‖ length(4, BE) ‖ bytes. Signed txs are written in place. */
export function encodeBody(txs: readonly L2Tx[]): Buffer {
  const deposits = new Map<number, Uint8Array>()
  let total = 0
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!
    if (tx.type === DEPOSIT_TX_TYPE) {
      const bytes = encodeDeposit(tx)
      deposits.set(i, bytes)
      total += 5 + bytes.length
    } else total += 5 + 20 + tx.raw.length
  }
  const out = Buffer.allocUnsafe(total)
  let off = 0
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!
    if (tx.type === DEPOSIT_TX_TYPE) {
      const bytes = deposits.get(i)!
      out[off] = KIND_DEPOSIT
      out.writeUInt32BE(bytes.length, off + 1)
      out.set(bytes, off + 5)
      off += 5 + bytes.length
    } else {
      out[off] = KIND_SIGNED
      out.writeUInt32BE(20 + tx.raw.length, off + 1)
      // encodeSigned's layout: sender(20) ‖ raw
      if (out.write(tx.from.slice(2), off + 5, 20, 'hex') !== 20)
        throw new TypeError(`bad sender ${tx.from}`)
      out.set(tx.raw, off + 25)
      off += 25 + tx.raw.length
    }
  }
  return out
}

function decodeEntry(body: Uint8Array, off: number, chainId: bigint): [L2Tx, number] {
  const kind = body[off]!
  const len =
    ((body[off + 1]! << 24) | (body[off + 2]! << 16) | (body[off + 3]! << 8) | body[off + 4]!) >>> 0
  const bytes = body.subarray(off + 5, off + 5 + len)
  const tx = kind === KIND_DEPOSIT ? decodeDeposit(bytes) : decodeSigned(bytes, chainId)
  return [tx, off + 5 + len]
}

export function decodeBody(body: Uint8Array, chainId: bigint): L2Tx[] {
  const out: L2Tx[] = []
  let off = 0
  while (off < body.length) {
    const [tx, next] = decodeEntry(body, off, chainId)
    out.push(tx)
    off = next
  }
  return out
}

/** The `index`-th tx of a body, skipping the others without decoding them. */
export function decodeBodyAt(body: Uint8Array, index: number, chainId: bigint): L2Tx | undefined {
  let off = 0
  for (let i = 0; off < body.length; i++) {
    if (i === index) return decodeEntry(body, off, chainId)[0]
    const len =
      ((body[off + 1]! << 24) | (body[off + 2]! << 16) | (body[off + 3]! << 8) | body[off + 4]!) >>>
      0
    off += 5 + len
  }
  return undefined
}

const ZERO_BLOOM = `0x${'00'.repeat(256)}` as Hex

type ReceiptRow = [
  number, // type
  0 | 1, // status
  string, // gasUsed
  string, // cumulativeGasUsed
  string, // effectiveGasPrice
  Address | null, // contractAddress
  [Address, Hex[], Hex][], // logs
  string, // l1Fee
  string, // l1GasUsed
  string, // l1BaseFee
  string, // l1BlobBaseFee
  Hex | 0, // logsBloom (0: all zero)
]

/** `q` remembering its last value: most receipts of a block repeat their neighbour's fees */
function lastQ(): (v: bigint) => string {
  let last: bigint | undefined
  let text = ''
  return (v) => {
    if (v !== last) {
      last = v
      text = q(v)
    }
    return text
  }
}

/** All receipts of a block (tx hashes and indexes come from the body on read). */
export function encodeReceipts(receipts: readonly Receipt[]): string {
  const gasUsed = lastQ()
  const price = lastQ()
  const l1Fee = lastQ()
  const l1Gas = lastQ()
  const l1Base = lastQ()
  const l1Blob = lastQ()
  const rows: ReceiptRow[] = receipts.map((r) => [
    r.type,
    r.status,
    gasUsed(r.gasUsed),
    q(r.cumulativeGasUsed),
    price(r.effectiveGasPrice),
    r.contractAddress,
    r.logs.length === 0 ? [] : r.logs.map((l) => [l.address, l.topics, l.data]),
    l1Fee(r.l1Fee),
    l1Gas(r.l1GasUsed),
    l1Base(r.l1BaseFee),
    l1Blob(r.l1BlobBaseFee),
    r.logsBloom === ZERO_BLOOM ? 0 : r.logsBloom,
  ])
  return JSON.stringify(rows)
}

export function decodeReceipts(text: string, txHashes: readonly Hex[]): Receipt[] {
  const rows = JSON.parse(text) as ReceiptRow[]
  return rows.map((r, i) => ({
    transactionHash: txHashes[i]!,
    transactionIndex: i,
    type: r[0],
    status: r[1],
    gasUsed: BigInt(r[2]),
    cumulativeGasUsed: BigInt(r[3]),
    effectiveGasPrice: BigInt(r[4]),
    contractAddress: r[5],
    logs: r[6].map(([address, topics, data]): Log => ({ address, topics, data })),
    l1Fee: BigInt(r[7]),
    l1GasUsed: BigInt(r[8]),
    l1BaseFee: BigInt(r[9]),
    l1BlobBaseFee: BigInt(r[10]),
    logsBloom: r[11] === 0 ? ZERO_BLOOM : r[11],
  }))
}
