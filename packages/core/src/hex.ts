import type { Hex } from 'viem'

export type { Address, Hex } from 'viem'

const HEX_CHARS = '0123456789abcdef'
const BYTE_TO_HEX: string[] = Array.from(
  { length: 256 },
  (_, i) => HEX_CHARS[i >> 4]! + HEX_CHARS[i & 15]!,
)

/** two ASCII hex digits per byte, as one little-endian uint16 (written into HEX_OUT) */
const BYTE_TO_CODES = new Uint16Array(256)
for (let i = 0; i < 256; i++)
  BYTE_TO_CODES[i] = BYTE_TO_HEX[i]!.charCodeAt(0) | (BYTE_TO_HEX[i]!.charCodeAt(1) << 8)
/** scratch for short conversions: '0x' then two digits per byte */
const HEX_OUT = new Uint16Array(1 + 64)
const HEX_OUT_BYTES = Buffer.from(HEX_OUT.buffer)
HEX_OUT[0] = 0x7830 // "0x"

/**
 * Lowercase 0x-hex of bytes. Hashes and addresses (the hot case) are spelled into a scratch
 * buffer and read out as one flat string: building them by `+=` made a rope of 33 pieces that
 * every Map lookup then had to flatten.
 */
export function toHex(bytes: Uint8Array): Hex {
  const n = bytes.length
  if (n > 64) return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('hex')}` as Hex
  for (let i = 0; i < n; i++) HEX_OUT[i + 1] = BYTE_TO_CODES[bytes[i]!]!
  return HEX_OUT_BYTES.toString('latin1', 0, 2 + 2 * n) as Hex
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Strict: requires 0x prefix and an even number of hex digits. Throws TypeError otherwise. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length < 2 || hex[0] !== '0' || (hex[1] !== 'x' && hex[1] !== 'X'))
    throw new TypeError('hex string must start with 0x')
  const len = hex.length - 2
  if (len % 2 !== 0) throw new TypeError('hex string has an odd number of digits')
  // long strings (raw transactions, calldata): Node's decoder, which stops at the first
  // non-hex pair (a short count is how a bad digit shows), copied into memory of its own
  if (len > 128) {
    const decoded = Buffer.from(hex.slice(2), 'hex')
    if (decoded.length !== len / 2) throw new TypeError('hex string has a non-hex digit')
    return new Uint8Array(decoded)
  }
  const out = new Uint8Array(len / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 + i * 2))
    const lo = nibble(hex.charCodeAt(3 + i * 2))
    if (hi < 0 || lo < 0) throw new TypeError('hex string has a non-hex digit')
    out[i] = (hi << 4) | lo
  }
  return out
}

export function isHex(value: unknown): value is Hex {
  return typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value)
}

/** Big-endian minimal bytes of a non-negative bigint (0n → empty). */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('negative value')
  if (value === 0n) return new Uint8Array(0)
  let hex = value.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  return fromHex(`0x${hex}`)
}

/**
 * Big-endian fixed-width bytes of a non-negative bigint. Written 48 bits at a time as numbers:
 * no strings (the account leaves of every block spell two of these per account).
 */
export function bigintToBytes32(value: bigint, width = 32): Uint8Array {
  if (value < 0n) throw new RangeError('negative value')
  const out = new Uint8Array(width)
  let v = value
  let i = width
  while (v > 0n) {
    if (i <= 0) throw new RangeError(`value does not fit in ${width} bytes`)
    let chunk = Number(BigInt.asUintN(48, v))
    v >>= 48n
    for (let k = 0; k < 6 && i > 0; k++) {
      out[--i] = chunk % 256
      chunk = Math.floor(chunk / 256)
    }
    if (chunk !== 0) throw new RangeError(`value does not fit in ${width} bytes`)
  }
  return out
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  return BigInt(toHex(bytes))
}

/** 0x-quantity as JSON-RPC encodes numbers (no leading zeros). */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}` as Hex
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
