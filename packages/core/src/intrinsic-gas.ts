import type { Address } from './hex.js'
import type { AccessListItem } from './types.js'

export const TX_GAS = 21_000n
export const TX_GAS_CONTRACT_CREATION = 53_000n
export const TX_DATA_ZERO_GAS = 4n
/** EIP-2028 */
export const TX_DATA_NON_ZERO_GAS = 16n
/** EIP-2930 */
export const TX_ACCESS_LIST_ADDRESS_GAS = 2_400n
export const TX_ACCESS_LIST_STORAGE_KEY_GAS = 1_900n
/** EIP-3860: per 32-byte word of initcode */
export const INITCODE_WORD_GAS = 2n
/** EIP-3860: 2 * the EIP-170 code size limit */
export const MAX_INITCODE_SIZE = 49_152

export type IntrinsicGasParams = {
  data: Uint8Array
  to: Address | null
  accessList: readonly AccessListItem[]
}

/**
 * Gas charged before execution (Shanghai/Cancun rules, as geth's core.IntrinsicGas with
 * isHomestead, isEIP2028 and isEIP3860 set): base, calldata, access list, initcode words.
 */
export function intrinsicGas({ data, to, accessList }: IntrinsicGasParams): bigint {
  let zeros = 0
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++
  const nonZeros = data.length - zeros
  let gas = to === null ? TX_GAS_CONTRACT_CREATION : TX_GAS
  gas += BigInt(zeros) * TX_DATA_ZERO_GAS + BigInt(nonZeros) * TX_DATA_NON_ZERO_GAS
  if (to === null) gas += BigInt(Math.ceil(data.length / 32)) * INITCODE_WORD_GAS
  let keys = 0
  for (const item of accessList) keys += item.storageKeys.length
  gas +=
    BigInt(accessList.length) * TX_ACCESS_LIST_ADDRESS_GAS +
    BigInt(keys) * TX_ACCESS_LIST_STORAGE_KEY_GAS
  return gas
}
