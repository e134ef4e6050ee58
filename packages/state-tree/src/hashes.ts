import { keccak256 } from '@lanes/core'
import { LEAF_PREFIX, NODE_PREFIX } from './constants.js'

/** keccak256(0x00 ‖ key ‖ value): allocating, for proofs and reference code. */
export function leafHash(key: Uint8Array, value: Uint8Array): Uint8Array {
  const pre = new Uint8Array(65)
  pre[0] = LEAF_PREFIX
  pre.set(key, 1)
  pre.set(value, 33)
  return keccak256(pre)
}

/** keccak256(0x01 ‖ left ‖ right): allocating, for proofs and reference code. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pre = new Uint8Array(65)
  pre[0] = NODE_PREFIX
  pre.set(left, 1)
  pre.set(right, 33)
  return keccak256(pre)
}

export const EMPTY_WORD = new Uint8Array(32)
