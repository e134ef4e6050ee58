import type { Address, Hex } from './hex.js'

/** Typed transaction kinds Lanes accepts from wallets. 0x7e is the L1 deposit (no signature). */
export type SignedTxType = 0 | 1 | 2
export const DEPOSIT_TX_TYPE = 0x7e

export type AccessListItem = { address: Address; storageKeys: Hex[] }

/** A decoded, validated, signed transaction (legacy w/ EIP-155, EIP-2930, EIP-1559). */
export interface SignedTx {
  type: SignedTxType
  chainId: bigint
  nonce: bigint
  gasLimit: bigint
  /** null for contract creation */
  to: Address | null
  value: bigint
  data: Uint8Array
  /** legacy and 2930: gasPrice; 1559: equals maxFeePerGas */
  gasPrice: bigint
  /** legacy and 2930: equals gasPrice */
  maxFeePerGas: bigint
  /** legacy and 2930: equals gasPrice */
  maxPriorityFeePerGas: bigint
  accessList: AccessListItem[]
  yParity: 0 | 1
  r: bigint
  s: bigint
  /** keccak of raw: the transaction hash */
  hash: Hex
  /** keccak of the signing payload, input to sender recovery */
  signingHash: Uint8Array
  /** the exact bytes the wallet sent (typed envelope for 1/2, RLP list for legacy) */
  raw: Uint8Array
  /** intrinsic gas (EIP-2028 calldata, access list, creation, EIP-3860 initcode words) */
  intrinsicGas: bigint
}

export interface RecoveredTx extends SignedTx {
  /** lowercase sender address */
  from: Address
}

/**
 * An L1 → L2 deposit, included by the sequencer at the start of an L2 block.
 * Its hash is keccak(0x7e ‖ rlp(l1BlockHash?, queueIndex ...)) as defined by the
 * deposit module; it is stable across reorg-free re-derivation.
 */
export interface DepositTx {
  type: typeof DEPOSIT_TX_TYPE
  hash: Hex
  /** position in the L1 deposit queue (0-based) */
  queueIndex: bigint
  /** L1 sender */
  from: Address
  to: Address | null
  /**
   * ETH minted on L2 to `from` (the depositor's L2 account) before the call; the call then
   * moves `value` to `to` (OP Stack semantics). A failed call leaves the mint with `from`.
   */
  mint: bigint
  value: bigint
  gasLimit: bigint
  data: Uint8Array
  /** L1 block where the deposit was queued */
  l1BlockNumber: bigint
}

export type L2Tx = RecoveredTx | DepositTx

export type Log = { address: Address; topics: Hex[]; data: Hex }

export interface Receipt {
  transactionHash: Hex
  transactionIndex: number
  type: number
  /** 1 success, 0 failure */
  status: 0 | 1
  gasUsed: bigint
  cumulativeGasUsed: bigint
  effectiveGasPrice: bigint
  contractAddress: Address | null
  logs: Log[]
  logsBloom: Hex
  /** L1 data fee charged for this tx (OP Ecotone style); 0 for deposits */
  l1Fee: bigint
  /** estimated L1 gas used by this tx's compressed bytes */
  l1GasUsed: bigint
  l1BaseFee: bigint
  l1BlobBaseFee: bigint
}

/** What the executor needs about the block it builds. */
export interface BlockEnv {
  number: bigint
  timestamp: bigint
  gasLimit: bigint
  baseFeePerGas: bigint
  /** the coinbase seen by the COINBASE opcode */
  coinbase: Address
  chainId: bigint
  prevRandao: Hex
  /** L1 fee inputs (from the block's L1 origin) */
  l1BaseFee: bigint
  l1BlobBaseFee: bigint
  /** returns the hash of an earlier L2 block for BLOCKHASH, or undefined */
  blockHash?: (n: bigint) => Hex | undefined
}

export interface BlockHeader {
  number: bigint
  hash: Hex
  parentHash: Hex
  timestamp: bigint
  stateRoot: Hex
  transactionsRoot: Hex
  receiptsRoot: Hex
  logsBloom: Hex
  gasLimit: bigint
  gasUsed: bigint
  baseFeePerGas: bigint
  coinbase: Address
  /** L1 block this L2 block is anchored to */
  l1OriginNumber: bigint
  l1OriginHash: Hex
  /** number of L1 deposits consumed up to and including this block */
  depositCursor: bigint
}

export interface Block {
  header: BlockHeader
  txs: L2Tx[]
}

/** The header every batch carries (packages/batch-codec encodes it, the Rollup contract checks it). */
export interface BatchHeader {
  version: number
  chainId: bigint
  batchIndex: bigint
  firstBlock: bigint
  lastBlock: bigint
  parentStateRoot: Hex
  postStateRoot: Hex
  l1OriginFirst: bigint
  l1OriginLast: bigint
  /** deposit cursor before the first block and after the last block */
  depositCursorStart: bigint
  depositCursorEnd: bigint
}
