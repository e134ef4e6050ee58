import { fromHex, type Hex } from '@lanes/core'
import type { RpcContext } from './context.js'
import { lower } from './convert.js'
import { CallFailed, method } from './dispatcher.js'
import { formatReceipt, formatTransaction } from './format.js'
import { Bytes, Hash } from './schemas.js'

export const ethTxMethods = {
  /**
   * Resolves only once the tx is journaled on disk (the node's durability promise). The raw
   * bytes get memory of their own (fromHex), not a view into Node's shared buffer pool: a pooled
   * tx would pin its 8 KiB slab while pending, and posting it to an executor worker would copy
   * the whole slab.
   */
  eth_sendRawTransaction: method(
    [Bytes],
    1,
    ([raw], ctx: RpcContext) => ctx.node.submitRawTransaction(fromHex(raw!)),
    // a batch of sends: one promise for all of them, not a chain per tx
    async (argsList, ctx: RpcContext) => {
      const raws = argsList.map(([raw]) => fromHex(raw!))
      const node = ctx.node
      if (!node.submitRawTransactions)
        return Promise.all(
          raws.map((r) => node.submitRawTransaction(r).catch((e: unknown) => new CallFailed(e))),
        )
      const outcomes = await node.submitRawTransactions(raws)
      return outcomes.map((o) => ('hash' in o ? o.hash : new CallFailed(o.error)))
    },
  ),
  eth_getTransactionByHash: method([Hash], 1, ([h], ctx: RpcContext) => {
    const record = ctx.node.getTransaction(lower(h! as Hex))
    if (!record) return null
    return formatTransaction(record.tx, record.location)
  }),
  /** null while the tx waits in the pool, like geth */
  eth_getTransactionReceipt: method([Hash], 1, ([h], ctx: RpcContext) => {
    const r = ctx.node.getReceipt(lower(h! as Hex))
    if (!r) return null
    return formatReceipt(
      r.receipt,
      r.tx,
      {
        hash: r.location.blockHash,
        number: r.location.blockNumber,
        baseFeePerGas: r.location.baseFee,
      },
      r.firstLogIndex,
    )
  }),
}
