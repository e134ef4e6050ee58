import {
  type Block,
  type BlockHeader,
  DEPOSIT_TX_TYPE,
  type DepositTx,
  EMPTY_TRIE_ROOT,
  EMPTY_UNCLES_HASH,
  fromHex,
  type Hex,
  headerFields,
  type L2Tx,
  type Log,
  type Receipt,
  rlpEncode,
  rlpUint,
  toHex,
  toQuantity,
} from '@lanes/core'
import type { BlockRecord, LogRecord } from '../node.js'

/**
 * geth's JSON shapes for blocks, transactions, receipts and logs, with OP Stack's extras
 * (L1 fee fields on receipts, type 0x7e deposit transactions), so viem's and ethers' formatters
 * accept them unchanged.
 */

export { EMPTY_TRIE_ROOT, EMPTY_UNCLES_HASH } from '@lanes/core'

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`

export type TxPosition = { blockHash: Hex; blockNumber: bigint; index: number; baseFee: bigint }

export type RpcTransaction = Record<string, unknown>
export type RpcBlock = Record<string, unknown>
export type RpcReceipt = Record<string, unknown>
export type RpcLog = {
  address: Hex
  topics: Hex[]
  data: Hex
  blockNumber: Hex
  blockHash: Hex
  blockTimestamp?: Hex
  transactionHash: Hex
  transactionIndex: Hex
  logIndex: Hex
  removed: boolean
}

/** The gas price a tx paid in a block: min(maxFee, baseFee + tip) for 1559, gasPrice otherwise. */
export function effectiveGasPrice(tx: L2Tx, baseFee: bigint): bigint {
  if (tx.type === DEPOSIT_TX_TYPE) return 0n
  if (tx.type !== 2) return tx.gasPrice
  const tip = tx.maxFeePerGas - baseFee
  return baseFee + (tx.maxPriorityFeePerGas < tip ? tx.maxPriorityFeePerGas : tip)
}

function depositFields(tx: DepositTx): RpcTransaction {
  return {
    type: toQuantity(DEPOSIT_TX_TYPE),
    hash: tx.hash,
    from: tx.from,
    to: tx.to,
    // OP's deposits carry a sourceHash; ours are identified by their L1 queue position
    sourceHash: tx.hash,
    queueIndex: toQuantity(tx.queueIndex),
    l1BlockNumber: toQuantity(tx.l1BlockNumber),
    mint: toQuantity(tx.mint),
    value: toQuantity(tx.value),
    gas: toQuantity(tx.gasLimit),
    gasPrice: '0x0',
    isSystemTx: false,
    input: toHex(tx.data),
    nonce: '0x0',
    v: '0x0',
    r: '0x0',
    s: '0x0',
  }
}

/** geth's RPCTransaction; `at` null for a pending tx (block fields null, gasPrice = max fee). */
export function formatTransaction(tx: L2Tx, at: TxPosition | null): RpcTransaction {
  const out: RpcTransaction =
    tx.type === DEPOSIT_TX_TYPE
      ? depositFields(tx)
      : {
          type: toQuantity(tx.type),
          hash: tx.hash,
          from: tx.from,
          to: tx.to,
          nonce: toQuantity(tx.nonce),
          gas: toQuantity(tx.gasLimit),
          gasPrice: toQuantity(at ? effectiveGasPrice(tx, at.baseFee) : tx.gasPrice),
          value: toQuantity(tx.value),
          input: toHex(tx.data),
          chainId: toQuantity(tx.chainId),
          v: toQuantity(tx.type === 0 ? tx.chainId * 2n + 35n + BigInt(tx.yParity) : tx.yParity),
          r: toQuantity(tx.r),
          s: toQuantity(tx.s),
        }
  if (tx.type === 1 || tx.type === 2) {
    out.accessList = tx.accessList
    out.yParity = toQuantity(tx.yParity)
  }
  if (tx.type === 2) {
    out.maxFeePerGas = toQuantity(tx.maxFeePerGas)
    out.maxPriorityFeePerGas = toQuantity(tx.maxPriorityFeePerGas)
  }
  out.blockHash = at ? at.blockHash : null
  out.blockNumber = at ? toQuantity(at.blockNumber) : null
  out.transactionIndex = at ? toQuantity(at.index) : null
  return out
}

export function formatLog(
  log: Log,
  ctx: { blockHash: Hex; blockNumber: bigint; txHash: Hex; txIndex: number; logIndex: number },
): RpcLog {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: toQuantity(ctx.blockNumber),
    blockHash: ctx.blockHash,
    transactionHash: ctx.txHash,
    transactionIndex: toQuantity(ctx.txIndex),
    logIndex: toQuantity(ctx.logIndex),
    removed: false,
  }
}

/**
 * geth's receipt plus OP's L1 fee fields (l1Fee, l1GasUsed, l1GasPrice = the L1 base fee,
 * l1BlobBaseFee); deposits carry none of those, like OP.
 * `firstLogIndex` is the block-wide index of this receipt's first log.
 */
export function formatReceipt(
  receipt: Receipt,
  tx: L2Tx,
  header: Pick<BlockHeader, 'hash' | 'number' | 'baseFeePerGas'>,
  firstLogIndex: number,
): RpcReceipt {
  const ctx = {
    blockHash: header.hash,
    blockNumber: header.number,
    txHash: receipt.transactionHash,
    txIndex: receipt.transactionIndex,
  }
  const out: RpcReceipt = {
    type: toQuantity(receipt.type),
    status: toQuantity(receipt.status),
    transactionHash: receipt.transactionHash,
    transactionIndex: toQuantity(receipt.transactionIndex),
    blockHash: header.hash,
    blockNumber: toQuantity(header.number),
    from: tx.from,
    to: tx.to,
    gasUsed: toQuantity(receipt.gasUsed),
    cumulativeGasUsed: toQuantity(receipt.cumulativeGasUsed),
    effectiveGasPrice: toQuantity(receipt.effectiveGasPrice),
    contractAddress: receipt.contractAddress,
    logs: receipt.logs.map((log, i) => formatLog(log, { ...ctx, logIndex: firstLogIndex + i })),
    logsBloom: receipt.logsBloom,
  }
  if (tx.type === DEPOSIT_TX_TYPE) {
    out.depositNonce = '0x0'
    out.depositReceiptVersion = '0x1'
  } else {
    out.l1Fee = toQuantity(receipt.l1Fee)
    out.l1GasUsed = toQuantity(receipt.l1GasUsed)
    out.l1GasPrice = toQuantity(receipt.l1BaseFee)
    out.l1BlobBaseFee = toQuantity(receipt.l1BlobBaseFee)
  }
  return out
}

/** The deposit envelope `0x7e ‖ rlp(fields)`, used only to report block sizes. */
function depositBytes(tx: DepositTx): Uint8Array {
  const payload = rlpEncode([
    rlpUint(tx.queueIndex),
    fromHex(tx.from),
    tx.to === null ? new Uint8Array(0) : fromHex(tx.to),
    rlpUint(tx.mint),
    rlpUint(tx.value),
    rlpUint(tx.gasLimit),
    tx.data,
  ])
  const out = new Uint8Array(payload.length + 1)
  out[0] = DEPOSIT_TX_TYPE
  out.set(payload, 1)
  return out
}

/** RLP size of the block as geth would count it (header, txs, no uncles, no withdrawals). */
export function blockSize(block: Block): number {
  const txs = block.txs.map((tx) => (tx.type === DEPOSIT_TX_TYPE ? depositBytes(tx) : tx.raw))
  return rlpEncode([headerFields(block.header), txs, [], []]).length
}

/**
 * geth's block JSON with every post-merge field wallets read. mixHash carries the L1 origin
 * hash (like OP's prevRandao source); `l1OriginNumber` is an extra field.
 */
export function formatBlock(block: Block, fullTransactions: boolean, size?: number): RpcBlock {
  const h = block.header
  return {
    number: toQuantity(h.number),
    hash: h.hash,
    parentHash: h.parentHash,
    nonce: '0x0000000000000000',
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: h.logsBloom,
    transactionsRoot: h.transactionsRoot,
    stateRoot: h.stateRoot,
    receiptsRoot: h.receiptsRoot,
    miner: h.coinbase,
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: '0x',
    size: toQuantity(size ?? blockSize(block)),
    gasLimit: toQuantity(h.gasLimit),
    gasUsed: toQuantity(h.gasUsed),
    timestamp: toQuantity(h.timestamp),
    baseFeePerGas: toQuantity(h.baseFeePerGas),
    mixHash: h.l1OriginHash ?? ZERO_HASH,
    withdrawals: [],
    withdrawalsRoot: EMPTY_TRIE_ROOT,
    l1OriginNumber: toQuantity(h.l1OriginNumber),
    uncles: [],
    transactions: fullTransactions
      ? block.txs.map((tx, index) =>
          formatTransaction(tx, {
            blockHash: h.hash,
            blockNumber: h.number,
            index,
            baseFee: h.baseFeePerGas,
          }),
        )
      : block.txs.map((tx) => tx.hash),
  }
}

/** A stored log with its position → geth's log JSON (with geth ≥ 1.14's blockTimestamp). */
export function formatLogRecord(log: LogRecord): RpcLog {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: toQuantity(log.blockNumber),
    blockHash: log.blockHash,
    blockTimestamp: toQuantity(log.blockTimestamp),
    transactionHash: log.transactionHash,
    transactionIndex: toQuantity(log.transactionIndex),
    logIndex: toQuantity(log.logIndex),
    removed: false,
  }
}

/** geth's header JSON (eth_subscribe newHeads): the block fields without body and size. */
export function formatHeader(header: BlockHeader): RpcBlock {
  const out = formatBlock({ header, txs: [] }, false, 0)
  delete out.transactions
  delete out.uncles
  delete out.size
  delete out.totalDifficulty
  return out
}

/** A node BlockRecord → geth's block JSON (`full`: transaction objects, else hashes). */
export function formatBlockRecord(record: BlockRecord, full: boolean): RpcBlock {
  if (full && record.txs)
    return formatBlock({ header: record.header, txs: record.txs }, true, record.size)
  const out = formatBlock({ header: record.header, txs: [] }, false, record.size)
  out.transactions = record.txHashes
  return out
}
