import { type Block, DEPOSIT_TX_TYPE, type L2Tx, toHex, toQuantity } from '@lanes/core'
import type { HeadRef } from '../node.js'
import type { RpcContext } from './context.js'
import { toSelector } from './convert.js'
import { method } from './dispatcher.js'
import { invalidParams, methodNotFound, serverError } from './errors.js'
import { BlockNumberOrHash, Uint64 } from './schemas.js'

const head = (h: HeadRef) => ({
  number: toQuantity(h.number),
  hash: h.hash,
  timestamp: toQuantity(h.timestamp),
  stateRoot: h.stateRoot,
})

/**
 * A sealed block as lanes_getBlockRange returns it: the full Lanes header, signed txs as their
 * exact raw bytes plus the recovered sender (no re-recovery needed), deposits as fields.
 */
export function formatRangeBlock(block: Block): Record<string, unknown> {
  const h = block.header
  return {
    number: toQuantity(h.number),
    hash: h.hash,
    parentHash: h.parentHash,
    timestamp: toQuantity(h.timestamp),
    stateRoot: h.stateRoot,
    transactionsRoot: h.transactionsRoot,
    receiptsRoot: h.receiptsRoot,
    logsBloom: h.logsBloom,
    gasLimit: toQuantity(h.gasLimit),
    gasUsed: toQuantity(h.gasUsed),
    baseFeePerGas: toQuantity(h.baseFeePerGas),
    coinbase: h.coinbase,
    l1OriginNumber: toQuantity(h.l1OriginNumber),
    l1OriginHash: h.l1OriginHash,
    depositCursor: toQuantity(h.depositCursor),
    transactions: block.txs.map(formatRangeTx),
  }
}

function formatRangeTx(tx: L2Tx): Record<string, unknown> {
  if (tx.type === DEPOSIT_TX_TYPE)
    return {
      type: toQuantity(DEPOSIT_TX_TYPE),
      hash: tx.hash,
      queueIndex: toQuantity(tx.queueIndex),
      from: tx.from,
      to: tx.to,
      mint: toQuantity(tx.mint),
      value: toQuantity(tx.value),
      gas: toQuantity(tx.gasLimit),
      input: toHex(tx.data),
      l1BlockNumber: toQuantity(tx.l1BlockNumber),
    }
  return { type: toQuantity(tx.type), hash: tx.hash, from: tx.from, raw: toHex(tx.raw) }
}

export const lanesMethods = {
  /** like optimism_syncStatus: sealed, batched, committed (safe) and finalized heads */
  lanes_syncStatus: method([], 0, (_, ctx: RpcContext) => {
    const s = ctx.node.syncStatus()
    return {
      sealed: head(s.sealed),
      batched: head(s.batched),
      committed: head(s.committed),
      finalized: head(s.finalized),
      l1Head: s.l1Head ? { number: toQuantity(s.l1Head.number), hash: s.l1Head.hash } : null,
      depositCursor: toQuantity(s.depositCursor),
    }
  }),
  /** sealed blocks from..to inclusive, for the batcher */
  lanes_getBlockRange: method([Uint64, Uint64], 2, ([f, t], ctx: RpcContext) => {
    const from = BigInt(f!)
    const to = BigInt(t!)
    if (to < from) throw invalidParams(`invalid block range: from ${from} > to ${to}`)
    const max = BigInt(ctx.node.limits.maxBlockRange)
    if (to - from + 1n > max) throw serverError(`block range too large: at most ${max} blocks`)
    return ctx.node.blockRange(from, to).map(formatRangeBlock)
  }),
  /**
   * Admin (only with --admin-rpc, else -32601): the batcher's throttle, like OP's
   * miner_setMaxDASize. [maxBlockTxBytes] caps the signed tx bytes of the next blocks;
   * [null] lifts the cap. Answers the cap now in force.
   */
  lanes_setThrottle: method([Uint64], 0, ([b], ctx: RpcContext) => {
    const admin = ctx.node.admin
    if (!admin) throw methodNotFound('lanes_setThrottle')
    const bytes = b === undefined ? null : Number(BigInt(b))
    if (bytes !== null && !Number.isSafeInteger(bytes))
      throw invalidParams(`maxBlockTxBytes too large: ${b}`)
    admin.setMaxBlockTxBytes(bytes)
    return { maxBlockTxBytes: bytes === null ? null : toQuantity(bytes) }
  }),
  lanes_outputAtBlock: method([BlockNumberOrHash], 1, ([b], ctx: RpcContext) => {
    const o = ctx.node.outputAtBlock(toSelector(b))
    if (!o) return null
    return {
      blockNumber: toQuantity(o.blockNumber),
      blockHash: o.blockHash,
      stateRoot: o.stateRoot,
      timestamp: toQuantity(o.timestamp),
      depositCursor: toQuantity(o.depositCursor),
      l1OriginNumber: toQuantity(o.l1OriginNumber),
      withdrawalStore: o.withdrawalStore,
    }
  }),
}
