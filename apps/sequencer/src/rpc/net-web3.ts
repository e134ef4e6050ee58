import { keccak256Hex, toQuantity } from '@lanes/core'
import type { RpcContext } from './context.js'
import { method } from './dispatcher.js'
import { Bytes } from './schemas.js'

export const netWeb3Methods = {
  web3_clientVersion: method([], 0, (_, ctx: RpcContext) => ctx.clientVersion),
  web3_sha3: method([Bytes], 1, ([data]) => keccak256Hex(data! as `0x${string}`)),
  net_version: method([], 0, (_, ctx: RpcContext) => ctx.node.chainId.toString(10)),
  net_listening: method([], 0, () => true),
  net_peerCount: method([], 0, () => '0x0'),
  eth_chainId: method([], 0, (_, ctx: RpcContext) => toQuantity(ctx.node.chainId)),
  /** the sequencer produces the chain: it is never syncing */
  eth_syncing: method([], 0, () => false),
  /** no keys are held by the node */
  eth_accounts: method([], 0, () => []),
  eth_mining: method([], 0, () => false),
  eth_hashrate: method([], 0, () => '0x0'),
}
