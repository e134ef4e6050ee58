import {
  type Account,
  type Address,
  bigintToBytes32,
  fromHex,
  type Hex,
  keccak256,
} from '@lanes/core'
import { InvalidInputError } from './errors.js'

function addressBytes(address: Address): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = fromHex(address)
  } catch (cause) {
    throw new InvalidInputError('address is not hex', { cause })
  }
  if (bytes.length !== 20)
    throw new InvalidInputError(`address must be 20 bytes, got ${bytes.length}`)
  return bytes
}

function slotBytes(slot: Hex | bigint): Uint8Array {
  if (typeof slot === 'bigint') {
    if (slot < 0n || slot >= 1n << 256n) throw new InvalidInputError('slot out of range')
    return bigintToBytes32(slot)
  }
  let bytes: Uint8Array
  try {
    bytes = fromHex(slot)
  } catch (cause) {
    throw new InvalidInputError('slot is not hex', { cause })
  }
  if (bytes.length !== 32) throw new InvalidInputError(`slot must be 32 bytes, got ${bytes.length}`)
  return bytes
}

/** Leaf key of an account: keccak256(address). */
export function accountKey(address: Address): Uint8Array {
  return keccak256(addressBytes(address))
}

/** Leaf key of a storage slot: keccak256(address ‖ slot32). */
export function storageKey(address: Address, slot: Hex | bigint): Uint8Array {
  const pre = new Uint8Array(52)
  pre.set(addressBytes(address), 0)
  pre.set(slotBytes(slot), 20)
  return keccak256(pre)
}

/** Leaf value of an account: keccak256(nonce32 ‖ balance32 ‖ codeHash). Never zero. */
export function accountValue(account: Account): Uint8Array {
  const pre = new Uint8Array(96)
  writeAccountPreimage(pre, account)
  return keccak256(pre)
}

export function writeAccountPreimage(out: Uint8Array, account: Account): void {
  if (account.nonce < 0n || account.nonce >= 1n << 256n)
    throw new InvalidInputError('nonce out of range')
  if (account.balance < 0n || account.balance >= 1n << 256n)
    throw new InvalidInputError('balance out of range')
  out.set(bigintToBytes32(account.nonce), 0)
  out.set(bigintToBytes32(account.balance), 32)
  let code: Uint8Array
  try {
    code = fromHex(account.codeHash)
  } catch (cause) {
    throw new InvalidInputError('codeHash is not hex', { cause })
  }
  if (code.length !== 32) throw new InvalidInputError('codeHash must be 32 bytes')
  out.set(code, 64)
}

/** Leaf value of a storage slot: the 32-byte word; null for zero (absent). */
export function storageValue(value: bigint): Uint8Array | null {
  if (value < 0n || value >= 1n << 256n) throw new InvalidInputError('storage value out of range')
  return value === 0n ? null : bigintToBytes32(value)
}
