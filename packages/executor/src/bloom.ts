import { type Hex, keccak256, toHex } from '@lanes/core'

/** Adds one bloom entry (an address or a topic) to a 256-byte logs bloom, as in the yellow paper. */
export function bloomAdd(bloom: Uint8Array, value: Uint8Array): void {
  const h = keccak256(value)
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047
    const j = 255 - (bit >> 3)
    bloom[j] = bloom[j]! | (1 << (bit & 7))
  }
}

export function bloomOr(into: Uint8Array, other: Uint8Array): void {
  for (let i = 0; i < 256; i++) into[i] = into[i]! | other[i]!
}

export function bloomHex(bloom: Uint8Array): Hex {
  return toHex(bloom)
}
