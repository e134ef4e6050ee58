import type { Account, Address, Hex, StateDiff } from '@lanes/core'
import { InvalidInputError } from './errors.js'

/**
 * Flat key → value state beside the tree: the latest values for fast reads, plus one history
 * row per change so any retained version can be read (README "World state"). Account leaves
 * in the tree hold only a hash of (nonce, balance, codeHash), so history cannot come from
 * the tree alone.
 */
export interface FlatState {
  getAccount(address: Address, version?: number): Account | undefined
  getStorage(address: Address, slot: Hex, version?: number): bigint
  getCode(codeHash: Hex): Uint8Array | undefined
  /** The slots of `address` holding a non-zero word in the latest version. */
  storageSlots(address: Address): Hex[]
  write(version: number, diff: StateDiff): void
  /** Drop history rows no version ≥ keepFrom needs. */
  prune(keepFrom: number): void
  /** Drop the history rows of versions after `version` and restore the latest values. */
  rollback(version: number): void
}

export function normAddress(address: string): Address {
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new InvalidInputError(`not an address: ${String(address)}`)
  return address.toLowerCase() as Address
}

export function normSlot(slot: string): Hex {
  if (typeof slot !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(slot))
    throw new InvalidInputError(`not a storage slot: ${String(slot)}`)
  return `0x${slot.slice(2).toLowerCase().padStart(64, '0')}` as Hex
}

export function normCodeHash(hash: string): Hex {
  if (typeof hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(hash))
    throw new InvalidInputError(`not a code hash: ${String(hash)}`)
  return hash.toLowerCase() as Hex
}
