import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256 } from 'viem'

/** One entry of the Rollup deposit queue, as in the DepositQueued event. */
export type QueuedDeposit = {
  index: bigint
  from: Address
  /** address(0) = contract creation (depositTransaction only) */
  to: Address
  mint: bigint
  value: bigint
  gasLimit: bigint
  data: Hex
}

export const EMPTY_QUEUE_HASH: Hex = `0x${'00'.repeat(32)}`

/**
 * h_{i+1} = keccak256(abi.encode(h_i, i, from, to, mint, value, gasLimit, keccak256(data))),
 * h_0 = 0: the running hash Rollup.depositQueueHashAt returns.
 */
export function depositQueueHash(prev: Hex, d: QueuedDeposit): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint64' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'uint64' },
        { type: 'bytes32' },
      ],
      [prev, d.index, d.from, d.to, d.mint, d.value, d.gasLimit, keccak256(d.data)],
    ),
  )
}

/** Rollup.L1_TO_L2_ALIAS_OFFSET: added to an L1 contract's address for its deposits' L2 sender. */
export const L1_TO_L2_ALIAS_OFFSET = 0x1111000000000000000000000000000000001111n

const ADDRESS_SPACE = 1n << 160n

/** The L2 sender of a deposit made by the L1 contract `l1Address` (EOAs are not aliased). */
export function applyL1ToL2Alias(l1Address: Address): Address {
  const n = (BigInt(l1Address) + L1_TO_L2_ALIAS_OFFSET) % ADDRESS_SPACE
  return getAddress(`0x${n.toString(16).padStart(40, '0')}`)
}

/** The L1 contract whose deposits come from the aliased L2 address `l2Address`. */
export function undoL1ToL2Alias(l2Address: Address): Address {
  const n = (BigInt(l2Address) - L1_TO_L2_ALIAS_OFFSET + ADDRESS_SPACE) % ADDRESS_SPACE
  return getAddress(`0x${n.toString(16).padStart(40, '0')}`)
}
