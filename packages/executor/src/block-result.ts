import {
  type BlockEnv,
  DEPOSIT_TX_TYPE,
  type L2Tx,
  type Receipt,
  type StateDiff,
  toHex,
} from '@lanes/core'
import { bloomOr } from './bloom.js'
import type { TxOutcome } from './run-tx.js'
import type { BlockResult, InvalidTx } from './types.js'

const ZERO_BLOOM_HEX = toHex(new Uint8Array(256))

/** Block-level bookkeeping shared by the sequential and the parallel executor. */
export class BlockAccumulator {
  readonly receipts: Receipt[] = []
  readonly invalid: InvalidTx[] = []
  gasUsed = 0n
  private readonly bloom = new Uint8Array(256)

  constructor(private readonly env: BlockEnv) {}

  /** geth's miner skips a tx whose gas limit exceeds what is left; deposits always fit. */
  fits(tx: L2Tx): boolean {
    return tx.type === DEPOSIT_TX_TYPE || tx.gasLimit <= this.env.gasLimit - this.gasUsed
  }

  reject(index: number, tx: L2Tx, reason: string): void {
    this.invalid.push({ index, hash: tx.hash, reason })
  }

  include(tx: L2Tx, o: Extract<TxOutcome, { ok: true }>): void {
    this.gasUsed += o.gasUsed
    bloomOr(this.bloom, o.bloom)
    this.receipts.push({
      transactionHash: tx.hash,
      transactionIndex: this.receipts.length,
      type: o.type,
      status: o.status,
      gasUsed: o.gasUsed,
      cumulativeGasUsed: this.gasUsed,
      effectiveGasPrice: o.effectiveGasPrice,
      contractAddress: o.contractAddress,
      logs: o.logs,
      logsBloom: o.logs.length === 0 ? ZERO_BLOOM_HEX : toHex(o.bloom),
      l1Fee: o.l1Fee,
      l1GasUsed: o.l1GasUsed,
      l1BaseFee: this.env.l1BaseFee,
      l1BlobBaseFee: this.env.l1BlobBaseFee,
    })
  }

  finish(diff: StateDiff, mode: BlockResult['mode'], reexecutions: number): BlockResult {
    return {
      receipts: this.receipts,
      diff,
      gasUsed: this.gasUsed,
      logsBloom: toHex(this.bloom),
      invalid: this.invalid,
      mode,
      reexecutions,
    }
  }
}
