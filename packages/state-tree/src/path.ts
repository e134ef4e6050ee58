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

/**
 * Packed path slots of PATH_SLOT bytes used between the engine and the stores: the path sits
 * at slot + 2 (depth at +2, +3, key prefix from +4, 4-byte aligned) and the slot is zero
 * padded, so paths are copied and compared as 9 int32 words instead of 34 bytes.
 */
export const PATH_SLOT = 36
export const PATH_WORDS = 9

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
  throw new Error('@lanes/state-tree assumes a little-endian platform (typed-array word copies)')

/**
 * writePath into the slot starting at int32 word `outWord` of `out32`, reading the key as
 * int32 words from key32[keyWord ..] (keys sit 4-byte aligned in every engine buffer).
 * Returns the path length in bytes (2 + ceil(depth / 8)).
 */
export function writePathSlot(
  out32: Int32Array,
  outWord: number,
  depth: number,
  key32: Int32Array,
  keyWord: number,
  lastBit = -1,
): number {
  out32[outWord] = ((depth >> 8) << 16) | ((depth & 0xff) << 24)
  const n = (depth + 7) >> 3 // prefix bytes kept
  const full = n >> 2
  for (let w = 0; w < full; w++) out32[outWord + 1 + w] = key32[keyWord + w]!
  const part = n & 3
  let w = full
  if (part !== 0) {
    out32[outWord + 1 + w] = key32[keyWord + w]! & ((1 << (8 * part)) - 1)
    w++
  }
  for (; w < 8; w++) out32[outWord + 1 + w] = 0
  if (n > 0) {
    const rem = depth & 7
    const last = n - 1
    const word = outWord + 1 + (last >> 2)
    const shift = 8 * (last & 3)
    if (rem !== 0) out32[word]! &= ~(((0xff >> rem) & 0xff) << shift)
    if (lastBit >= 0) {
      const b = depth - 1
      const bw = outWord + 1 + (b >> 5)
      const bm = (0x80 >> (b & 7)) << (8 * ((b >> 3) & 3))
      out32[bw] = lastBit ? out32[bw]! | bm : out32[bw]! & ~bm
    }
  }
  return 2 + n
}
