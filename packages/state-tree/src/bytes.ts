import { fromHex, type Hex, toHex } from '@lanes/core'
import { InvalidInputError } from './errors.js'

/** A 32-byte key, value or hash, as bytes or 0x-hex. */
export type Word = Uint8Array | Hex

export function wordBytes(word: Word, what: string): Uint8Array {
  let bytes: Uint8Array
  if (typeof word === 'string') {
    try {
      bytes = fromHex(word)
    } catch (cause) {
      throw new InvalidInputError(`${what} is not hex`, { cause })
    }
  } else if (word instanceof Uint8Array) {
    bytes = word
  } else {
    throw new InvalidInputError(`${what} must be a Uint8Array or 0x-hex`)
  }
  if (bytes.length !== 32)
    throw new InvalidInputError(`${what} must be 32 bytes, got ${bytes.length}`)
  return bytes
}

export function wordHex(word: Word, what: string): Hex {
  return typeof word === 'string' ? toHex(wordBytes(word, what)) : toHex(wordBytes(word, what))
}

export function isZero(bytes: Uint8Array, off = 0, len = 32): boolean {
  for (let i = 0; i < len; i++) if (bytes[off + i] !== 0) return false
  return true
}

/** Bit i (MSB-first) of the 32-byte key at `off`. */
export function bitAt(key: Uint8Array, i: number, off = 0): number {
  return ((key[off + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1
}

/** -1, 0, 1 comparison of two 32-byte words. */
export function compareWords(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): number {
  for (let i = 0; i < 32; i++) {
    const x = a[aOff + i]!
    const y = b[bOff + i]!
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

export function equalWords(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < 32; i++) if (a[aOff + i] !== b[bOff + i]) return false
  return true
}

/** Length in bits of the common prefix of two keys (256 when equal). */
export function commonPrefixBits(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): number {
  for (let i = 0; i < 32; i++) {
    const x = a[aOff + i]! ^ b[bOff + i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return 256
}
