import type { Address, Hex } from './hex.js'
import { bigintToBytes32, concatBytes, fromHex } from './hex.js'
import { keccak256Hex } from './keccak.js'
import { DEPOSIT_TX_TYPE, type DepositTx } from './types.js'

/** A deposit as the L1 Rollup queue records it (the DepositQueued event). */
export type L1Deposit = {
  /** queue position, 0-based */
  index: bigint
  from: Address
  /** address(0) means a contract creation on L2 */
  to: Address
  mint: bigint
  value: bigint
  gasLimit: bigint
  data: Hex
  /** running queue hash after this deposit (h_{index+1}) */
  queueHash: Hex
  l1BlockNumber: bigint
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/**
 * The L2 hash of a deposit: keccak256(0x7e ‖ uint256(index) ‖ queueHash).
 * The queue hash commits to this deposit and every earlier one, so the hash is
 * unique, and it does not depend on L1 block hashes, so it is stable when the
 * same deposit is re-mined after an L1 reorg.
 */
export function depositTxHash(index: bigint, queueHash: Hex): Hex {
  return keccak256Hex(
    concatBytes(Uint8Array.of(DEPOSIT_TX_TYPE), bigintToBytes32(index), fromHex(queueHash)),
  )
}

export function depositToTx(d: L1Deposit): DepositTx {
  return {
    type: DEPOSIT_TX_TYPE,
    hash: depositTxHash(d.index, d.queueHash),
    queueIndex: d.index,
    from: d.from.toLowerCase() as Address,
    to: d.to.toLowerCase() === ZERO_ADDRESS ? null : (d.to.toLowerCase() as Address),
    mint: d.mint,
    value: d.value,
    gasLimit: d.gasLimit,
    data: fromHex(d.data),
    l1BlockNumber: d.l1BlockNumber,
  }
}
