import type { EventEmitter } from 'node:events'
import {
  type AccessListItem,
  type Account,
  type Address,
  type Block,
  type BlockHeader,
  type Hex,
  type L2Tx,
  type Log,
  type Receipt,
  type RecoveredTx,
  RpcVisibleError,
  type StateReader,
} from '@lanes/core'
import type { Registry } from 'prom-client'

/**
 * The contract between the sequencer's node half (mempool, builder, store, L1 follower) and
 * its JSON-RPC half (src/rpc, src/app.ts). The RPC layer only ever talks to a `SequencerNode`.
 *
 * Errors: every mistake a caller can make surfaces as core's `RpcVisibleError` (code + geth's
 * message, e.g. -32000 "nonce too low"); `ExecutionRevertedError` (code 3, `data` = revert
 * bytes) for eth_call / eth_estimateGas reverts. Anything else thrown is an internal error.
 *
 * Numbers are bigint, byte strings lowercase 0x-hex unless a field says Uint8Array.
 */

/** geth's named block tags. */
export type BlockTag = 'latest' | 'pending' | 'safe' | 'finalized' | 'earliest'

/**
 * Which block a read refers to: a tag, a number, or EIP-1898's `{ hash }`.
 * - latest: the newest sealed block.
 * - pending: block queries answer the latest sealed block (like OP Stack nodes); state reads at
 *   'pending' see the latest sealed state except `nonce()`, which includes the pool (geth's
 *   pending nonce).
 * - safe: newest block covered by a batch committed on L1 with the configured confirmations.
 * - finalized: newest block covered by a batch finalized on L1.
 * - earliest: genesis (block 0).
 */
export type BlockSelector = BlockTag | bigint | { hash: Hex; requireCanonical?: boolean }

/** Where a transaction sits in a sealed block (same shape as rpc/format.ts's TxPosition). */
export type TxLocation = {
  blockHash: Hex
  blockNumber: bigint
  /** index in the block */
  index: number
  /** base fee of that block (effective gas price of 1559 txs) */
  baseFee: bigint
  timestamp: bigint
}

/** A sealed block as stored. `txs` is present only when asked for (`fullTxs`). */
export type BlockRecord = {
  header: BlockHeader
  txHashes: Hex[]
  txs?: L2Tx[]
  /** RLP size in bytes of the block (header + txs), for the `size` field */
  size: number
}

/** A transaction by hash: `location` null while it waits in the pool. */
export type TxRecord = { tx: L2Tx; location: TxLocation | null }

/** A receipt of a sealed tx. Its logs have block-wide indexes firstLogIndex, +1, ... */
export type ReceiptRecord = {
  receipt: Receipt
  tx: L2Tx
  location: TxLocation
  /** block-wide index of this receipt's first log */
  firstLogIndex: number
}

/** A log with its position, as eth_getLogs / subscriptions return it. */
export type LogRecord = Log & {
  blockNumber: bigint
  blockHash: Hex
  blockTimestamp: bigint
  transactionHash: Hex
  transactionIndex: number
  /** block-wide */
  logIndex: number
}

/**
 * eth_getLogs filter. Either `blockHash` or a range (default latest..latest).
 * `topics[i]`: null = any, a hash = that one, an array = any of them (empty array = any).
 */
export type LogFilter = {
  fromBlock?: BlockSelector
  toBlock?: BlockSelector
  blockHash?: Hex
  addresses?: Address[]
  topics?: (Hex | Hex[] | null)[]
}

/**
 * State at one block. The core `StateReader` (what the executor reads) plus the per-address
 * reads the RPC needs. Reads are synchronous (better-sqlite3).
 */
export interface BlockState extends StateReader {
  /** the block this state is the post-state of */
  readonly header: BlockHeader
  balance(address: Address): bigint
  /** for a 'pending' state: the pool-aware next nonce (geth's pending nonce) */
  nonce(address: Address): bigint
  /** the account's code, empty when none */
  code(address: Address): Uint8Array
  /** slot as a 32-byte lowercase hex word */
  storageAt(address: Address, slot: Hex): bigint
}

/** geth's TransactionArgs for eth_call / eth_estimateGas, already parsed. */
export type CallRequest = {
  from?: Address
  /** undefined or null: contract creation */
  to?: Address | null
  gas?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  value?: bigint
  /** `data` or `input` */
  data?: Uint8Array
  nonce?: bigint
  accessList?: AccessListItem[]
}

/** geth's eth_call state override set (per address). `state` replaces all storage, `stateDiff` patches. */
export type StateOverride = {
  balance?: bigint
  nonce?: bigint
  code?: Uint8Array
  state?: Map<Hex, bigint>
  stateDiff?: Map<Hex, bigint>
}
export type StateOverrides = Map<Address, StateOverride>

export type CallResult = { returnData: Hex; gasUsed: bigint }

/**
 * eth_call / eth_estimateGas reverted: code 3, `data` the revert bytes. The RPC turns it into
 * geth's "execution reverted: <reason>" with rpc/errors.ts `executionReverted(data)`.
 * Other execution failures (out of gas, invalid opcode, insufficient funds for the call's
 * value/gas) are thrown as plain RpcVisibleError(-32000, geth's message).
 */
export class ExecutionRevertedError extends RpcVisibleError {
  override name = 'ExecutionRevertedError'
  declare readonly data: Hex
  constructor(data: Hex) {
    super(3, 'execution reverted', { data })
  }
}

export type FeeData = {
  /** base fee of the next block */
  nextBaseFee: bigint
  /** suggested priority fee (eth_maxPriorityFeePerGas) */
  suggestedTip: bigint
  /** eth_gasPrice: nextBaseFee + suggestedTip */
  gasPrice: bigint
}

/** eth_feeHistory. `baseFeePerGas` has blockCount + 1 entries (the last is the next block's). */
export type FeeHistory = {
  oldestBlock: bigint
  baseFeePerGas: bigint[]
  gasUsedRatio: number[]
  /** per block, one entry per requested percentile; absent when no percentiles were asked */
  reward?: bigint[][]
}

/** eth_getProof in the Lanes state-tree format (packages/state-tree README §4). */
export type AccountProof = {
  address: Address
  blockNumber: bigint
  stateRoot: Hex
  /** undefined when the account does not exist (then `accountProof` proves absence) */
  account: Account | undefined
  /** the encoded proof bytes for key keccak(address) */
  accountProof: Hex
  /** the account leaf's 32-byte value, or null when absent */
  accountLeaf: Hex | null
  storageProof: { key: Hex; value: bigint; proof: Hex }[]
}

export type PoolStatus = { pending: number; queued: number }

/** Pool content by sender then nonce (decimal string keys, like geth's txpool_content). */
export type PoolContent = {
  pending: Record<Address, Record<string, RecoveredTx>>
  queued: Record<Address, Record<string, RecoveredTx>>
}

export type HeadRef = { number: bigint; hash: Hex; timestamp: bigint; stateRoot: Hex }

/** lanes_syncStatus (like optimism_syncStatus). */
export type SyncStatus = {
  /** newest sealed L2 block */
  sealed: HeadRef
  /** newest block in a batch posted to L1 (any confirmations) */
  batched: HeadRef
  /** newest block in a batch committed on L1 with the configured confirmations (= safe) */
  committed: HeadRef
  /** newest block in a batch finalized on L1 */
  finalized: HeadRef
  /** newest L1 block the follower has seen, when it runs */
  l1Head: { number: bigint; hash: Hex } | null
  /** deposits consumed up to the sealed head */
  depositCursor: bigint
}

/** lanes_outputAtBlock: what a withdrawal proof and an L1 output check need. */
export type OutputAtBlock = {
  blockNumber: bigint
  blockHash: Hex
  stateRoot: Hex
  timestamp: bigint
  depositCursor: bigint
  l1OriginNumber: bigint
  /** the L2 withdrawal message store predeploy, when the genesis has one */
  withdrawalStore: Address | null
}

export type Health = { live: boolean; ready: boolean; reason?: string }

/** Events the node emits (for eth_subscribe and filters). */
export type NodeEventMap = {
  /** one per sealed block, in order, after it is durable */
  newHead: [block: BlockRecord]
  /** all logs of one sealed block, in order (emitted after newHead; possibly empty arrays skipped) */
  logs: [logs: LogRecord[]]
  /** a tx admitted to the pool (pending or queued), after it is journaled */
  pendingTx: [tx: RecoveredTx]
}

export type NodeEvents = EventEmitter<NodeEventMap>

/** Limits the RPC may want to show or enforce itself. */
export type NodeLimits = {
  /** most blocks one eth_getLogs range may span */
  maxLogsBlockRange: bigint
  /** most logs one eth_getLogs may return */
  maxLogs: number
  /** most blocks one lanes_getBlockRange call returns */
  maxBlockRange: number
  /** eth_call / eth_estimateGas gas cap */
  rpcGasCap: bigint
  /** most blocks one eth_feeHistory covers */
  maxFeeHistory: number
}

export interface SequencerNode {
  readonly chainId: bigint
  readonly limits: NodeLimits
  readonly events: NodeEvents
  /** prom-client registry with the node's metrics; the RPC adds its own and serves /metrics */
  readonly metrics: Registry

  /** /healthz (live) and /readyz (ready: store open, head loaded, builder running) */
  health(): Health

  // ── blocks ────────────────────────────────────────────────────────────────
  /** newest sealed block number */
  headNumber(): bigint
  /**
   * A selector as a block number, or undefined when there is no such block (a number above
   * the head, an unknown hash). Tags always resolve.
   */
  resolveBlock(selector: BlockSelector): bigint | undefined
  /** undefined for an unknown block */
  getBlock(selector: BlockSelector, fullTxs: boolean): BlockRecord | undefined

  // ── transactions, receipts, logs ──────────────────────────────────────────
  /** sealed or pooled; undefined when unknown */
  getTransaction(hash: Hex): TxRecord | undefined
  /** undefined while pending or unknown */
  getReceipt(hash: Hex): ReceiptRecord | undefined
  /** all receipts of a block in order; undefined for an unknown block */
  getBlockReceipts(selector: BlockSelector): ReceiptRecord[] | undefined
  /**
   * Logs matching `filter`, in block/log order. Throws RpcVisibleError(-32000,
   * "exceed maximum block range: N") past `limits.maxLogsBlockRange`, (-32005, "query returned
   * more than N results") past `limits.maxLogs`, (-32000, "unknown block") for an unknown hash,
   * (-32000, "invalid block range params") when fromBlock > toBlock.
   */
  getLogs(filter: LogFilter): LogRecord[]

  // ── state ─────────────────────────────────────────────────────────────────
  /** state after `selector`'s block; throws RpcVisibleError(-32000, "header not found") if unknown */
  stateAt(selector: BlockSelector): BlockState
  /** next nonce counting the sender's pool txs (eth_getTransactionCount 'pending') */
  pendingNonce(address: Address): bigint
  /** eth_getProof; throws like stateAt for an unknown block or a pruned version */
  proof(address: Address, slots: Hex[], selector: BlockSelector): Promise<AccountProof>

  // ── execution without sealing ─────────────────────────────────────────────
  /** eth_call: throws ExecutionRevertedError on revert, RpcVisibleError on other failures */
  call(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<CallResult>
  /** eth_estimateGas (binary search like geth, capped at limits.rpcGasCap) */
  estimateGas(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<bigint>

  // ── fees ──────────────────────────────────────────────────────────────────
  feeData(): FeeData
  /** blockCount is clamped to limits.maxFeeHistory; percentiles are 0..100 ascending */
  feeHistory(blockCount: number, newest: BlockSelector, percentiles?: number[]): FeeHistory

  // ── pool ──────────────────────────────────────────────────────────────────
  /**
   * eth_sendRawTransaction: decodes, recovers the sender, admits to the pool and resolves with
   * the hash only after the tx is journaled on disk (fsync'd). Rejections are RpcVisibleError
   * with geth's text ("nonce too low", "already known", ...).
   */
  submitRawTransaction(raw: Uint8Array): Promise<Hex>
  /**
   * submitRawTransaction for many txs at once (a JSON-RPC batch): the same checks, outcomes
   * and durability per tx, with one recovery call and one journal wait for all of them.
   */
  submitRawTransactions?(raws: readonly Uint8Array[]): Promise<SubmitOutcome[]>
  poolStatus(): PoolStatus
  poolContent(): PoolContent

  // ── rollup ────────────────────────────────────────────────────────────────
  syncStatus(): SyncStatus
  /** lanes_getBlockRange: sealed blocks from..to inclusive (at most limits.maxBlockRange) */
  blockRange(from: bigint, to: bigint): Block[]
  /** lanes_outputAtBlock; undefined for an unknown block */
  outputAtBlock(selector: BlockSelector): OutputAtBlock | undefined

  /** admin methods (lanes_setThrottle); absent unless the operator enabled them (--admin-rpc) */
  readonly admin?: NodeAdmin
}

/** What the batcher may steer. */
export type NodeAdmin = {
  /** signed tx bytes per block from the next block on; null lifts the limit */
  setMaxBlockTxBytes(bytes: number | null): void
  maxBlockTxBytes(): number | null
}

/** One tx of submitRawTransactions: its hash once journaled, or why it was refused. */
export type SubmitOutcome = { hash: Hex } | { error: unknown }
