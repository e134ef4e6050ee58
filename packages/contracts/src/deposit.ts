import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'

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
