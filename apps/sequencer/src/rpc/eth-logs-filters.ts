import type { Hex } from '@lanes/core'
import type { RpcContext } from './context.js'
import { method } from './dispatcher.js'
import { formatLogRecord } from './format.js'
import { toLogFilter } from './log-filter.js'
import { FilterObject, SubscriptionId } from './schemas.js'

export const ethLogFilterMethods = {
  /** range and result limits are enforced by the node with geth's messages */
  eth_getLogs: method([FilterObject], 1, ([f], ctx: RpcContext) =>
    ctx.node.getLogs(toLogFilter(f!)).map(formatLogRecord),
  ),
  eth_newFilter: method([FilterObject], 1, ([f], ctx: RpcContext) =>
    ctx.filters.newLogFilter(toLogFilter(f!)),
  ),
  eth_newBlockFilter: method([], 0, (_, ctx: RpcContext) => ctx.filters.newBlockFilter()),
  eth_newPendingTransactionFilter: method([], 0, (_, ctx: RpcContext) =>
    ctx.filters.newPendingTransactionFilter(),
  ),
  eth_getFilterChanges: method([SubscriptionId], 1, ([id], ctx: RpcContext) =>
    ctx.filters.changes(id as Hex),
  ),
  eth_getFilterLogs: method([SubscriptionId], 1, ([id], ctx: RpcContext) =>
    ctx.filters.logs(id as Hex),
  ),
  eth_uninstallFilter: method([SubscriptionId], 1, ([id], ctx: RpcContext) =>
    ctx.filters.uninstall(id as Hex),
  ),
}
