import type { Address } from 'viem'

/** L2 address of the L2WithdrawalStore predeploy (LanesPredeploys.sol). */
export const L2_WITHDRAWAL_STORE_ADDRESS: Address = '0x4c616E6573000000000000000000000000000016'

/** Storage slot of `mapping(bytes32 => bool) sent` in L2WithdrawalStore. */
export const WITHDRAWAL_SENT_MAPPING_SLOT = 0n

/** `daMode` in BatchCommitted. */
export const DA_MODE = { calldata: 0, blobs: 1 } as const

/** Rollup.sol constants. */
export const BATCH_RING_SIZE = 128n
export const MAX_UNFINALIZED_BATCHES = 127n
export const MIN_DEPOSIT_GAS_LIMIT = 21_000n
export const MAX_DEPOSIT_GAS_LIMIT = 10_000_000n
export const MAX_DEPOSIT_DATA_LENGTH = 120_000
