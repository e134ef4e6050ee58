import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak } from 'hash-wasm'
import type { Hex } from './hex.js'
import { fromHex, toHex } from './hex.js'

// One hasher per thread: hash-wasm's init() resets it, so sync reuse is safe.
const hasher = await createKeccak(256)

/** keccak-256 via hash-wasm (the fast path). */
export function keccak256(data: Uint8Array): Uint8Array {
  return hasher.init().update(data).digest('binary')
}

/** keccak-256 of the concatenation of `parts`, without building the concatenation. */
export function keccak256Parts(...parts: Uint8Array[]): Uint8Array {
  hasher.init()
  for (const p of parts) hasher.update(p)
  return hasher.digest('binary')
}

export function keccak256Hex(data: Uint8Array | Hex): Hex {
  return toHex(keccak256(typeof data === 'string' ? fromHex(data) : data))
}

/** keccak-256 via @noble/hashes: the reference implementation, used by tests. */
export function keccak256Reference(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}

/** keccak-256 of the empty string: the code hash of an account without code. */
export const EMPTY_CODE_HASH: Hex =
  '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
