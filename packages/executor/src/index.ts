export { executeBlockAsync } from './execute-block.js'
export { l1Fee, l1GasUsed } from './l1-fee.js'
export type { StateSource } from './tx-state.js'
export type { BlockResult, ExecutorConfig, ExecutorHardfork, InvalidTx } from './types.js'
