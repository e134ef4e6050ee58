import { RpcVisibleError } from './errors.js'

/** An RLP value: a byte string or a list of values. */
export type RlpItem = Uint8Array | RlpItem[]

/**
 * Malformed or non-canonical RLP. geth answers eth_sendRawTransaction with -32000 and
 * its rlp package's text ("rlp: ..."), so this is RPC-visible with the same wording.
 */
export class RlpError extends RpcVisibleError {
  override name = 'RlpError'
  constructor(reason: string, context?: string) {
    super(-32000, context ? `rlp: ${reason} for ${context}` : `rlp: ${reason}`)
  }
}

/** geth's rlp sentinel texts, so callers can match on them. */
export const RLP_ERRORS = {
  canonSize: 'non-canonical size information',
  canonInt: 'non-canonical integer (leading zero bytes)',
  valueTooLarge: 'value size exceeds available input length',
  moreThanOneValue: 'input contains more than one value',
  expectedString: 'expected input string or byte',
  expectedList: 'expected input list',
  elemTooLarge: 'element is larger than containing list',
  uintOverflow: 'uint overflow',
  tooDeep: 'nesting too deep',
  empty: 'empty input',
} as const

// Deeper nesting is never meaningful for Lanes data and would overflow the JS stack.
const MAX_DEPTH = 1024

// ---------------------------------------------------------------- encoding

function headerLength(payloadLength: number): number {
  if (payloadLength < 56) return 1
  return 1 + byteLengthOfLength(payloadLength)
}

function byteLengthOfLength(n: number): number {
  let len = 0
  while (n > 0) {
    len++
    n = Math.floor(n / 256)
  }
  return len
}

/**
 * Pass 1: total encoded length; records every list's payload length in pre-order so
 * pass 2 writes without recomputing (linear in size whatever the depth).
 */
function measure(item: RlpItem, listLengths: number[], depth: number): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return 1
    return headerLength(item.length) + item.length
  }
  if (depth > MAX_DEPTH) throw new RlpError(RLP_ERRORS.tooDeep)
  const slot = listLengths.length
  listLengths.push(0)
  let payload = 0
  for (const child of item) payload += measure(child, listLengths, depth + 1)
  listLengths[slot] = payload
  return headerLength(payload) + payload
}

function writeHeader(out: Uint8Array, pos: number, length: number, offset: number): number {
  if (length < 56) {
    out[pos] = offset + length
    return pos + 1
  }
  const lenLen = byteLengthOfLength(length)
  out[pos] = offset + 55 + lenLen
  for (let i = lenLen; i > 0; i--) {
    out[pos + i] = length & 0xff
    length = Math.floor(length / 256)
  }
  return pos + 1 + lenLen
}

/** The header of a byte string (0x80 offset) or list (0xc0 offset) with this payload length. */
export function rlpHeader(payloadLength: number, isList: boolean): Uint8Array {
  const out = new Uint8Array(headerLength(payloadLength))
  writeHeader(out, 0, payloadLength, isList ? 0xc0 : 0x80)
  return out
}

/**
 * Where `item` (a byte string returned by rlpDecode, so a view into `input`) starts in
 * `input`, header included. Lets callers hash ranges of the input instead of re-encoding.
 */
export function rlpEncodedOffset(item: Uint8Array, input: Uint8Array): number {
  const start = item.byteOffset - input.byteOffset
  if (item.length === 1 && item[0]! < 0x80) return start
  return start - headerLength(item.length)
}

type Cursor = { pos: number; list: number }

function write(item: RlpItem, out: Uint8Array, listLengths: number[], c: Cursor): void {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) {
      out[c.pos++] = item[0]!
      return
    }
    c.pos = writeHeader(out, c.pos, item.length, 0x80)
    out.set(item, c.pos)
    c.pos += item.length
    return
  }
  c.pos = writeHeader(out, c.pos, listLengths[c.list++]!, 0xc0)
  for (const child of item) write(child, out, listLengths, c)
}

/** RLP-encode bytes or (nested) lists of bytes into one freshly allocated buffer. */
export function rlpEncode(item: RlpItem): Uint8Array {
  const listLengths: number[] = []
  const total = measure(item, listLengths, 0)
  const out = new Uint8Array(total)
  write(item, out, listLengths, { pos: 0, list: 0 })
  return out
}

/** Minimal big-endian bytes of a non-negative integer, the RLP form of numbers (0 → empty). */
export function rlpUint(value: bigint | number): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`invalid uint ${value}`)
    value = BigInt(value)
  }
  if (value < 0n) throw new RangeError('negative value')
  if (value === 0n) return new Uint8Array(0)
  if (value < 0x20000000000000n) {
    let n = Number(value)
    const len = byteLengthOfLength(n)
    const out = new Uint8Array(len)
    for (let i = len - 1; i >= 0; i--) {
      out[i] = n & 0xff
      n = Math.floor(n / 256)
    }
    return out
  }
  let hex = value.toString(16)
  if (hex.length & 1) hex = `0${hex}`
  return Buffer.from(hex, 'hex')
}

// ---------------------------------------------------------------- decoding

/** A decoded item's place in the input: where its payload starts and ends, and if it is a list. */
type Span = { isList: boolean; start: number; end: number }

/**
 * Reads the header at `pos` (bounded by `limit`) and validates it strictly, the way geth's
 * rlp.Stream does: minimal length encodings, single bytes < 0x80 not wrapped, no overrun.
 */
function readHeader(buf: Uint8Array, pos: number, limit: number, span: Span): void {
  if (pos >= limit) throw new RlpError(RLP_ERRORS.valueTooLarge)
  const b = buf[pos]!
  if (b < 0x80) {
    span.isList = false
    span.start = pos
    span.end = pos + 1
    return
  }
  let isList: boolean
  let length: number
  let start: number
  if (b < 0xb8 || (b >= 0xc0 && b < 0xf8)) {
    isList = b >= 0xc0
    length = b - (isList ? 0xc0 : 0x80)
    start = pos + 1
    if (!isList && length === 1) {
      if (start >= limit) throw new RlpError(RLP_ERRORS.valueTooLarge)
      if (buf[start]! < 0x80) throw new RlpError(RLP_ERRORS.canonSize)
    }
  } else {
    isList = b >= 0xc0
    const lenLen = b - (isList ? 0xf7 : 0xb7)
    if (pos + 1 + lenLen > limit) throw new RlpError(RLP_ERRORS.valueTooLarge)
    if (buf[pos + 1] === 0) throw new RlpError(RLP_ERRORS.canonSize)
    length = 0
    for (let i = 0; i < lenLen; i++) {
      length = length * 256 + buf[pos + 1 + i]!
      // Any length beyond the buffer fails below; stop before losing integer precision.
      if (length > limit) throw new RlpError(RLP_ERRORS.valueTooLarge)
    }
    if (length < 56) throw new RlpError(RLP_ERRORS.canonSize)
    start = pos + 1 + lenLen
  }
  if (start + length > limit) {
    throw new RlpError(limit < buf.length ? RLP_ERRORS.elemTooLarge : RLP_ERRORS.valueTooLarge)
  }
  span.isList = isList
  span.start = start
  span.end = start + length
}

function decodeItem(
  buf: Uint8Array,
  pos: number,
  limit: number,
  depth: number,
  span: Span,
): RlpItem {
  readHeader(buf, pos, limit, span)
  if (!span.isList) return buf.subarray(span.start, span.end)
  if (depth >= MAX_DEPTH) throw new RlpError(RLP_ERRORS.tooDeep)
  const end = span.end
  const items: RlpItem[] = []
  let p = span.start
  while (p < end) {
    items.push(decodeItem(buf, p, end, depth + 1, span))
    p = span.end
  }
  span.end = end
  return items
}

/**
 * Strict canonical RLP decoding of exactly one value; trailing bytes are an error.
 * Byte strings are views into `input` (no copies): copy them if `input` will be reused.
 */
export function rlpDecode(input: Uint8Array): RlpItem {
  if (input.length === 0) throw new RlpError(RLP_ERRORS.empty)
  const span: Span = { isList: false, start: 0, end: 0 }
  const item = decodeItem(input, 0, input.length, 0, span)
  if (span.end !== input.length) throw new RlpError(RLP_ERRORS.moreThanOneValue)
  return item
}

/** Decodes one value that must be a list; `context` names the expected type in errors. */
export function rlpDecodeList(input: Uint8Array, context?: string): RlpItem[] {
  const item = rlpDecode(input)
  if (item instanceof Uint8Array) throw new RlpError(RLP_ERRORS.expectedList, context)
  return item
}

/**
 * Reads an RLP integer field strictly: a byte string, no leading zero bytes,
 * at most `maxBytes` long (8 for uint64, 32 for uint256).
 */
export function rlpToBigint(item: RlpItem | undefined, maxBytes: number, context: string): bigint {
  const bytes = rlpToBytes(item, context)
  if (bytes.length === 0) return 0n
  if (bytes[0] === 0) throw new RlpError(RLP_ERRORS.canonInt, context)
  if (bytes.length > maxBytes) throw new RlpError(RLP_ERRORS.uintOverflow, context)
  if (bytes.length <= 6) {
    let n = 0
    for (let i = 0; i < bytes.length; i++) n = n * 256 + bytes[i]!
    return BigInt(n)
  }
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`)
}

/** Reads a byte-string field; a list where bytes are expected is an error. */
export function rlpToBytes(item: RlpItem | undefined, context: string): Uint8Array {
  if (item === undefined) throw new RlpError('too few elements', context)
  if (!(item instanceof Uint8Array)) throw new RlpError(RLP_ERRORS.expectedString, context)
  return item
}

/** Reads a list field; bytes where a list is expected is an error. */
export function rlpToList(item: RlpItem | undefined, context: string): RlpItem[] {
  if (item === undefined) throw new RlpError('too few elements', context)
  if (item instanceof Uint8Array) throw new RlpError(RLP_ERRORS.expectedList, context)
  return item
}
