import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { WITHDRAWAL_SENT_MAPPING_SLOT } from './constants.js'

/** An L2 → L1 message as L2WithdrawalStore records it and Rollup.proveAndClaimWithdrawal takes it. */
export type Withdrawal = {
  nonce: bigint
  sender: Address
  l1Recipient: Address
  value: bigint
  data: Hex
}

/** keccak256(abi.encode(nonce, sender, l1Recipient, value, data)), identical on L2 and L1. */
export function withdrawalHash(w: Withdrawal): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'uint256' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'bytes' },
      ],
      [w.nonce, w.sender, w.l1Recipient, w.value, w.data],
    ),
  )
}

/** Storage slot of `sent[hash]` in L2WithdrawalStore: keccak256(abi.encode(hash, 0)). */
export function withdrawalStorageSlot(hash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }],
      [hash, WITHDRAWAL_SENT_MAPPING_SLOT],
    ),
  )
}
