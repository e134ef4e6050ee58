import type { SequencerNode } from '../node.js'
import type { FinalizedBatchFinder } from './bridge.js'
import type { FilterManager } from './filters.js'
import type { SubscriptionSession } from './subscriptions.js'

/** What every method handler gets besides its params. */
export type RpcContext = {
  node: SequencerNode
  filters: FilterManager
  clientVersion: string
  /** the caller's WebSocket session; absent over HTTP (eth_subscribe needs it) */
  session?: SubscriptionSession
  /** the finalized batch holding an L2 block, from L1; absent when the node does not follow L1 */
  finalizedBatchOf?: FinalizedBatchFinder
}
