import { toQuantity } from '@lanes/core'
import type { PoolContent } from '../node.js'
import type { RpcContext } from './context.js'
import { method } from './dispatcher.js'
import { formatTransaction, type RpcTransaction } from './format.js'

type Section = PoolContent['pending']

function formatSection(section: Section): Record<string, Record<string, RpcTransaction>> {
  const out: Record<string, Record<string, RpcTransaction>> = {}
  for (const [sender, byNonce] of Object.entries(section)) {
    const txs: Record<string, RpcTransaction> = {}
    for (const [nonce, tx] of Object.entries(byNonce)) txs[nonce] = formatTransaction(tx, null)
    out[sender] = txs
  }
  return out
}

export const txpoolMethods = {
  txpool_status: method([], 0, (_, ctx: RpcContext) => {
    const s = ctx.node.poolStatus()
    return { pending: toQuantity(s.pending), queued: toQuantity(s.queued) }
  }),
  txpool_content: method([], 0, (_, ctx: RpcContext) => {
    const c = ctx.node.poolContent()
    return { pending: formatSection(c.pending), queued: formatSection(c.queued) }
  }),
}
