import type { SequencerNode } from '../node.js'
import type { FilterManager } from './filters.js'
import type { SubscriptionSession } from './subscriptions.js'

/** What every method handler gets besides its params. */
export type RpcContext = {
  node: SequencerNode
  filters: FilterManager
  clientVersion: string
  /** the caller's WebSocket session; absent over HTTP (eth_subscribe needs it) */
  session?: SubscriptionSession
}
