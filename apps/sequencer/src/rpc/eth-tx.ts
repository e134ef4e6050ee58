import type { Hex } from '@lanes/core'
import type { RpcContext } from './context.js'
import { lower } from './convert.js'
import { CallFailed, method } from './dispatcher.js'
import { formatReceipt, formatTransaction } from './format.js'
import { Bytes, Hash } from './schemas.js'

export const ethTxMethods = {
  /**
   * Resolves only once the tx is journaled on disk (the node's durability promise). The
   * schema checked the hex, so Node's decoder reads it: a view into its shared pool instead of
   * a fresh buffer per tx (allocating one cost more than the decoding).
   */
  eth_sendRawTransaction: method(
    [Bytes],
    1,
    ([raw], ctx: RpcContext) => ctx.node.submitRawTransaction(rawBytes(raw!)),
    // a batch of sends: one promise for all of them, not a chain per tx
    async (argsList, ctx: RpcContext) => {
      const raws = argsList.map(([raw]) => rawBytes(raw!))
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

function rawBytes(hex: string): Uint8Array {
  const b = Buffer.from(hex.slice(2), 'hex')
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}
