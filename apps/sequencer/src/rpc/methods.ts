import { bridgeMethods } from './bridge.js'
import type { RpcContext } from './context.js'
import type { MethodDef } from './dispatcher.js'
import { ethBlockMethods } from './eth-blocks.js'
import { ethFeeMethods } from './eth-fees.js'
import { ethLogFilterMethods } from './eth-logs-filters.js'
import { ethStateMethods } from './eth-state.js'
import { ethTxMethods } from './eth-tx.js'
import { lanesMethods } from './lanes.js'
import { netWeb3Methods } from './net-web3.js'
import { subscriptionMethods } from './subscriptions.js'
import { txpoolMethods } from './txpool.js'

/** Every JSON-RPC method the sequencer serves, by name. */
export const rpcMethods: Record<string, MethodDef<RpcContext>> = {
  ...netWeb3Methods,
  ...ethStateMethods,
  ...ethBlockMethods,
  ...ethTxMethods,
  ...ethFeeMethods,
  ...ethLogFilterMethods,
  ...subscriptionMethods,
  ...txpoolMethods,
  ...lanesMethods,
  ...bridgeMethods,
}
