import { MalformedBatchError } from './errors.js'

export const U64_MAX = (1n << 64n) - 1n
export const U256_MAX = (1n << 256n) - 1n
/** Bit 255: carries the y-parity on top of a low-s value (spec §3.2 C3). */
export const S_LIMIT = 1n << 255n
/** Largest zigzag code of a difference of two u256 values. */
export const ZIGZAG_U256_MAX = (1n << 257n) - 2n

/** Signed → unsigned: 0, −1, 1, −2, … → 0, 1, 2, 3, … */
export function zigzag(v: bigint): bigint {
  return v >= 0n ? v << 1n : (-v << 1n) - 1n
}

export function unzigzag(z: bigint): bigint {
  return z & 1n ? -((z + 1n) >> 1n) : z >> 1n
}

/** Growable byte buffer with uvarint (unsigned LEB128) writers. */
export class ByteWriter {
  private buf: Uint8Array
  length = 0

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial)
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.length++] = b
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** Fixed-width big-endian bytes of a bigint known to fit. */
  fixed(value: bigint, width: number): void {
    this.reserve(width)
    let v = value
    for (let i = width - 1; i >= 0; i--) {
      this.buf[this.length + i] = Number(v & 0xffn)
      v >>= 8n
    }
    this.length += width
  }

  uvarint(value: number | bigint): void {
    if (typeof value === 'number' || value <= 0x1fffffffffffffn) {
      let v = Number(value)
      this.reserve(8)
      while (v >= 0x80) {
        this.buf[this.length++] = (v % 0x80) | 0x80
        v = Math.floor(v / 0x80)
      }
      this.buf[this.length++] = v
      return
    }
    let v = value
    this.reserve(37)
    while (v >= 0x80n) {
      this.buf[this.length++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.buf[this.length++] = Number(v)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

export function uvarintLength(value: bigint): number {
  let n = 1
  let v = value
  while (v >= 0x80n) {
    v >>= 7n
    n++
  }
  return n
}

/** Bounds-checked reader; every failure is a MalformedBatchError naming the field. */
export class ByteReader {
  offset = 0
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset
  }

  private fail(field: string, reason: string): never {
    throw new MalformedBatchError(`${this.where}: ${field}: ${reason} at offset ${this.offset}`)
  }

  byte(field: string): number {
    if (this.offset >= this.buf.length) this.fail(field, 'unexpected end of data')
    return this.buf[this.offset++]!
  }

  bytes(n: number, field: string): Uint8Array {
    if (n > this.remaining) this.fail(field, `needs ${n} bytes, ${this.remaining} left`)
    const out = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  fixed(width: number, field: string): bigint {
    const b = this.bytes(width, field)
    let v = 0n
    for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!)
    return v
  }

  /** A minimal uvarint no larger than `max`. */
  uvarint(field: string, max: bigint = U64_MAX): bigint {
    const start = this.offset
    // Fast path: up to 7 bytes fit a double exactly (49 bits).
    let small = 0
    let mul = 1
    for (let i = 0; i < 7; i++) {
      if (this.offset >= this.buf.length) this.fail(field, 'unexpected end of uvarint')
      const b = this.buf[this.offset++]!
      small += (b & 0x7f) * mul
      if (b < 0x80) {
        if (b === 0 && i > 0) this.fail(field, 'non-minimal uvarint')
        const v = BigInt(small)
        if (v > max) this.fail(field, `value ${v} above limit ${max}`)
        return v
      }
      mul *= 0x80
    }
    this.offset = start
    let v = 0n
    let shift = 0n
    for (let i = 0; i < 37; i++) {
      if (this.offset >= this.buf.length) this.fail(field, 'unexpected end of uvarint')
      const b = this.buf[this.offset++]!
      v |= BigInt(b & 0x7f) << shift
      shift += 7n
      if (b < 0x80) {
        if (b === 0) this.fail(field, 'non-minimal uvarint')
        if (v > max) this.fail(field, `value above limit ${max}`)
        return v
      }
    }
    return this.fail(field, 'uvarint longer than 37 bytes')
  }

  /** A uvarint that must fit a JS safe integer no larger than `max` (counts, lengths, refs). */
  uint(field: string, max: number): number {
    return Number(this.uvarint(field, BigInt(max)))
  }

  end(): void {
    if (this.remaining !== 0) this.fail('end', `${this.remaining} trailing bytes`)
  }
}
