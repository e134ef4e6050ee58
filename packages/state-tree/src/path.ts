/**
 * Node paths as stored (README section 7): depth as uint16 big-endian, then the first
 * ceil(depth/8) bytes of a key below the node with the bits past `depth` zeroed.
 */
export function pathLength(depth: number): number {
  return 2 + ((depth + 7) >> 3)
}

/**
 * Write the path of the node at `depth` into out[outOff..]. The first depth-1 bits come from
 * `key`; when `lastBit` is 0 or 1 it overrides bit depth-1 (the child side under a parent).
 * Returns the number of bytes written.
 */
export function writePath(
  out: Uint8Array,
  outOff: number,
  depth: number,
  key: Uint8Array,
  keyOff: number,
  lastBit = -1,
): number {
  out[outOff] = depth >> 8
  out[outOff + 1] = depth & 0xff
  const n = (depth + 7) >> 3
  for (let i = 0; i < n; i++) out[outOff + 2 + i] = key[keyOff + i]!
  if (n > 0) {
    const rem = depth & 7
    if (rem !== 0) out[outOff + 1 + n]! &= (0xff00 >> rem) & 0xff
    if (lastBit >= 0) {
      const b = depth - 1
      const byte = outOff + 2 + (b >> 3)
      const mask = 0x80 >> (b & 7)
      out[byte] = lastBit ? out[byte]! | mask : out[byte]! & ~mask
    }
  }
  return 2 + n
}

export function encodePath(depth: number, key: Uint8Array, keyOff = 0, lastBit = -1): Uint8Array {
  const out = new Uint8Array(pathLength(depth))
  writePath(out, 0, depth, key, keyOff, lastBit)
  return out
}
