import {
  type BlockEnv,
  type Hex,
  type L2Tx,
  type Receipt,
  type StateReader,
  toHex,
} from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { acquireEvmContext, releaseEvmContext } from './evm-context.js'
import { txEnv } from './execute-block.js'
import { runTx } from './run-tx.js'
import type { ExecutorConfig } from './types.js'

export type SimulationResult =
  | { ok: false; reason: string }
  | { ok: true; receipt: Receipt; returnData: Hex }

/**
 * One tx on top of `state`, for eth_call / eth_estimateGas: the same rules as a block,
 * plus the top call's return data (revert data when status is 0). Nothing is kept.
 */
export async function simulateTx(
  env: BlockEnv,
  tx: L2Tx,
  state: StateReader,
  config: ExecutorConfig,
): Promise<SimulationResult> {
  const ctx = acquireEvmContext(env.chainId)
  try {
    const tenv = txEnv(env, config, ctx)
    ctx.state.reset(new BlockState(state))
    const o = await runTx(tx, tenv)
    if (!o.ok) return o
    const acc = new BlockAccumulator(env)
    acc.include(tx, o)
    return { ok: true, receipt: acc.receipts[0]!, returnData: toHex(o.returnData) }
  } finally {
    releaseEvmContext(ctx)
  }
}
