import { type Address, encodeAbiParameters, encodePacked, type Hex, keccak256 } from 'viem'
import { L2_WITHDRAWAL_STORE_ADDRESS, WITHDRAWAL_SENT_MAPPING_SLOT } from './constants.js'

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

/**
 * State-tree leaf key of `sent[hash]`: keccak256(L2_WITHDRAWAL_STORE ‖ slot), the key whose
 * inclusion proof (value 1) proveAndClaimWithdrawal takes (packages/state-tree README §2).
 */
export function withdrawalLeafKey(hash: Hex): Hex {
  return keccak256(
    encodePacked(
      ['address', 'bytes32'],
      [L2_WITHDRAWAL_STORE_ADDRESS, withdrawalStorageSlot(hash)],
    ),
  )
}
