import { type BlockEnv, DEPOSIT_TX_TYPE, type L2Tx, type StateReader } from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { ExecutorError } from './errors.js'
import { acquireEvmContext, releaseEvmContext } from './evm-context.js'
import { txEnv } from './execute-block.js'
import { precheck, runNativeSync } from './run-tx.js'
import type { BlockResult, ExecutorConfig } from './types.js'

/** A block of plain transfers, synchronously in this thread (the caller checked that). */
export function executeNativeOnly(
  env: BlockEnv,
  txs: L2Tx[],
  state: StateReader,
  config: ExecutorConfig,
): BlockResult {
  const ctx = acquireEvmContext(env.chainId)
  try {
    const tenv = txEnv(env, config, ctx)
    const bs = new BlockState(state)
    const acc = new BlockAccumulator(env)
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i]!
      if (tx.type === DEPOSIT_TX_TYPE) throw new ExecutorError('deposit in a native-only block')
      if (!acc.fits(tx)) {
        acc.reject(i, tx, 'gas limit reached')
        continue
      }
      ctx.state.reset(bs)
      const p = precheck(tx, tenv)
      if (!p.ok) {
        acc.reject(i, tx, p.reason)
        continue
      }
      const o = runNativeSync(tx, tenv, p)
      if (o === undefined || !o.ok)
        throw new ExecutorError('a tx of a native-only block needs the EVM')
      bs.applyTx(ctx.state)
      bs.credit(config.baseFeeVault, o.baseFee)
      bs.credit(config.priorityFeeVault, o.priorityFee)
      bs.credit(config.l1FeeVault, o.l1Fee)
      acc.include(tx, o)
    }
    return acc.finish(bs.toDiff(), 'sequential', 0)
  } finally {
    releaseEvmContext(ctx)
  }
}
