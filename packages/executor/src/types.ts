import type { Address, Hex, Receipt, StateDiff } from '@lanes/core'

/**
 * Hardforks the executor can run. Cancun is pinned: it is the newest fork whose
 * opcodes (TSTORE/TLOAD, MCOPY, BLOBHASH/BLOBBASEFEE, EIP-6780 SELFDESTRUCT) are all
 * in @ethereumjs/evm 10.1.3 without experimental flags, and Prague's only user-facing
 * tx feature (EIP-7702) is rejected at ingress anyway.
 */
export type ExecutorHardfork = 'cancun'

export interface ExecutorConfig {
  /** receives baseFeePerGas × gasUsed of every tx (DESIGN.md: not burned) */
  baseFeeVault: Address
  /** receives the priority fee; set it to the coinbase for geth-like behaviour */
  priorityFeeVault: Address
  /** receives the L1 data fee */
  l1FeeVault: Address
  /** OP Ecotone `baseFeeScalar` (e.g. 1368) */
  l1BaseFeeScalar: bigint
  /** OP Ecotone `blobBaseFeeScalar` (e.g. 810949) */
  l1BlobBaseFeeScalar: bigint
  hardfork?: ExecutorHardfork
}

export type InvalidTx = { index: number; hash: Hex; reason: string }

export interface BlockResult {
  receipts: Receipt[]
  diff: StateDiff
  gasUsed: bigint
  logsBloom: Hex
  /** txs skipped at execution time (like geth's miner), with their index in the input */
  invalid: InvalidTx[]
  mode: 'sequential' | 'parallel'
  /**
   * parallel mode: how the block was scheduled. 'independent': predicted keys were disjoint,
   * so the calling thread executed from the front while workers took runs from the back;
   * 'speculative': every tx went to a worker, write sets shared between workers.
   */
  schedule?: 'independent' | 'speculative'
  /** speculative executions that were thrown away and redone (0 in sequential mode) */
  reexecutions: number
}
