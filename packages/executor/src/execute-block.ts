import type { BlockEnv, L2Tx, StateReader } from '@lanes/core'
import { BlockAccumulator } from './block-result.js'
import { BlockState } from './block-state.js'
import { acquireEvmContext, evmBlock, releaseEvmContext } from './evm-context.js'
import { runTx, type TxEnv } from './run-tx.js'
import type { BlockResult, ExecutorConfig } from './types.js'

export function txEnv(env: BlockEnv, config: ExecutorConfig, ctx: TxEnv['ctx']): TxEnv {
  ctx.blockchain.lookup = env.blockHash
  return {
    ctx,
    block: evmBlock(env),
    baseFeePerGas: env.baseFeePerGas,
    coinbase: env.coinbase,
    l1BaseFee: env.l1BaseFee,
    l1BlobBaseFee: env.l1BlobBaseFee,
    config,
  }
}

/**
 * Applies txs one after another onto `bs` from index `from`, in this thread. The
 * reference semantics: the parallel executor must produce exactly this.
 */
export async function runSequential(
  env: BlockEnv,
  txs: L2Tx[],
  bs: BlockState,
  config: ExecutorConfig,
  acc: BlockAccumulator,
  from = 0,
): Promise<void> {
  const ctx = acquireEvmContext(env.chainId)
  try {
    const tenv = txEnv(env, config, ctx)
    for (let i = from; i < txs.length; i++) {
      const tx = txs[i]!
      if (!acc.fits(tx)) {
        acc.reject(i, tx, 'gas limit reached')
        continue
      }
      ctx.state.reset(bs)
      const o = await runTx(tx, tenv)
      if (!o.ok) {
        acc.reject(i, tx, o.reason)
        continue
      }
      bs.applyTx(ctx.state)
      bs.credit(config.baseFeeVault, o.baseFee)
      bs.credit(config.priorityFeeVault, o.priorityFee)
      bs.credit(config.l1FeeVault, o.l1Fee)
      acc.include(tx, o)
    }
  } finally {
    releaseEvmContext(ctx)
  }
}

/** Sequential execution in the calling thread. */
export async function executeBlockAsync(
  env: BlockEnv,
  txs: L2Tx[],
  state: StateReader,
  config: ExecutorConfig,
): Promise<BlockResult> {
  const bs = new BlockState(state)
  const acc = new BlockAccumulator(env)
  await runSequential(env, txs, bs, config, acc)
  return acc.finish(bs.toDiff(), 'sequential', 0)
}
