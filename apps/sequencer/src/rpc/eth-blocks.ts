import { type Hex, toQuantity } from '@lanes/core'
import type { BlockSelector } from '../node.js'
import type { RpcContext } from './context.js'
import { lower, toSelector } from './convert.js'
import { method } from './dispatcher.js'
import { formatBlockRecord, formatReceipt, formatTransaction } from './format.js'
import { BlockNumber, BlockNumberOrHash, Bool, Hash, Uint64 } from './schemas.js'

const byHash = (h: string | undefined): BlockSelector => ({ hash: lower(h! as Hex) })

function txCount(ctx: RpcContext, sel: BlockSelector): Hex | null {
  const block = ctx.node.getBlock(sel, false)
  return block ? toQuantity(block.txHashes.length) : null
}

function txAt(ctx: RpcContext, sel: BlockSelector, index: string | undefined) {
  const block = ctx.node.getBlock(sel, true)
  const i = Number(BigInt(index!))
  const tx = block?.txs?.[i]
  if (!block || !tx) return null
  const h = block.header
  return formatTransaction(tx, {
    blockHash: h.hash,
    blockNumber: h.number,
    index: i,
    baseFee: h.baseFeePerGas,
  })
}

function uncleCount(ctx: RpcContext, sel: BlockSelector): Hex | null {
  return ctx.node.getBlock(sel, false) ? '0x0' : null
}

export const ethBlockMethods = {
  eth_blockNumber: method([], 0, (_, ctx: RpcContext) => toQuantity(ctx.node.headNumber())),
  eth_getBlockByNumber: method([BlockNumber, Bool], 2, ([n, full], ctx: RpcContext) => {
    const block = ctx.node.getBlock(toSelector(n), full!)
    return block ? formatBlockRecord(block, full!) : null
  }),
  eth_getBlockByHash: method([Hash, Bool], 2, ([h, full], ctx: RpcContext) => {
    const block = ctx.node.getBlock(byHash(h), full!)
    return block ? formatBlockRecord(block, full!) : null
  }),
  eth_getBlockTransactionCountByNumber: method([BlockNumber], 1, ([n], ctx: RpcContext) =>
    txCount(ctx, toSelector(n)),
  ),
  eth_getBlockTransactionCountByHash: method([Hash], 1, ([h], ctx: RpcContext) =>
    txCount(ctx, byHash(h)),
  ),
  eth_getTransactionByBlockNumberAndIndex: method(
    [BlockNumber, Uint64],
    2,
    ([n, i], ctx: RpcContext) => txAt(ctx, toSelector(n), i),
  ),
  eth_getTransactionByBlockHashAndIndex: method([Hash, Uint64], 2, ([h, i], ctx: RpcContext) =>
    txAt(ctx, byHash(h), i),
  ),
  eth_getBlockReceipts: method([BlockNumberOrHash], 1, ([b], ctx: RpcContext) => {
    const receipts = ctx.node.getBlockReceipts(toSelector(b))
    if (!receipts) return null
    return receipts.map((r) =>
      formatReceipt(
        r.receipt,
        r.tx,
        {
          hash: r.location.blockHash,
          number: r.location.blockNumber,
          baseFeePerGas: r.location.baseFee,
        },
        r.firstLogIndex,
      ),
    )
  }),
  eth_getUncleCountByBlockNumber: method([BlockNumber], 1, ([n], ctx: RpcContext) =>
    uncleCount(ctx, toSelector(n)),
  ),
  eth_getUncleCountByBlockHash: method([Hash], 1, ([h], ctx: RpcContext) =>
    uncleCount(ctx, byHash(h)),
  ),
  eth_getUncleByBlockNumberAndIndex: method([BlockNumber, Uint64], 2, () => null),
  eth_getUncleByBlockHashAndIndex: method([Hash, Uint64], 2, () => null),
}
