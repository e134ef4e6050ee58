export { executeBlockAsync } from './execute-block.js'
export { ExecutorError, executeBlock } from './execute-block-sync.js'
export { l1Fee, l1GasUsed } from './l1-fee.js'
export {
  ParallelExecutor,
  ParallelExecutorError,
  type ParallelExecutorOptions,
} from './parallel.js'
export { type SimulationResult, simulateTx } from './simulate.js'
export type { StateSource } from './tx-state.js'
export type { BlockResult, ExecutorConfig, ExecutorHardfork, InvalidTx } from './types.js'
