import { type Address, fromHex, MAX_TX_SIZE } from '@lanes/core'
import { type ByteReader, ByteWriter, U256_MAX, uvarintLength } from './bytes.js'
import { type BatchContext, isAddressWord } from './context.js'
import { DictColumn, readRefs } from './dict.js'
import { BatchTooLargeError, MalformedBatchError } from './errors.js'
import { MAX_VALUE_EXPONENT, pow10, splitDecimal } from './value.js'

/** Word code for "value = mantissa · 10^e": DECIMAL_BASE + e, e in 1..77 (spec §3.4). */
const DECIMAL_BASE = 32
const MAX_DECIMAL_CODE = DECIMAL_BASE + MAX_VALUE_EXPONENT
/** Word code for "12 zero bytes ‖ address-table entry" (spec §3.5), entry index in C21a. */
const TABLE_WORD_CODE = MAX_DECIMAL_CODE + 1

function toBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`)
}

/**
 * Calldata columns C15–C21. Data shaped like an ABI call (4-byte selector + 32-byte words)
 * is split so that selectors, zero padding, addresses and decimal amounts each land in a
 * column of their own; anything else is stored raw.
 */
export class CalldataEncoder {
  private readonly shapes = new ByteWriter()
  private readonly raw = new ByteWriter()
  private readonly selectors = new DictColumn<number>(1)
  private readonly selectorValues = new ByteWriter()
  private readonly codes = new ByteWriter()
  private readonly words = new ByteWriter()
  private readonly mantissas = new ByteWriter()
  private readonly tableRefs = new ByteWriter()

  constructor(private readonly context: BatchContext) {}

  add(data: Uint8Array): void {
    if (data.length < 4 || (data.length - 4) % 32 !== 0) {
      this.shapes.uvarint(data.length * 2)
      this.raw.bytes(data)
      return
    }
    const k = (data.length - 4) / 32
    this.shapes.uvarint(k * 2 + 1)
    const selector = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0
    if (this.selectors.add(selector)) this.selectorValues.bytes(data.subarray(0, 4))
    for (let w = 0; w < k; w++) {
      const at = 4 + w * 32
      if (this.context.table.length > 0 && isAddressWord(data, at)) {
        const a = `0x${Buffer.from(data.buffer, data.byteOffset + at + 12, 20).toString('hex')}`
        const t = this.context.index.get(a)
        if (t !== undefined) {
          this.codes.byte(TABLE_WORD_CODE)
          this.tableRefs.uvarint(t)
          continue
        }
      }
      const word = data.subarray(at, at + 32)
      let z = 0
      while (z < 32 && word[z] === 0) z++
      const rest = 32 - z
      // A decimal form can only win for multiples of 10 (last byte even) wider than a byte.
      if (rest > 1 && (word[31]! & 1) === 0) {
        const { mantissa, exponent } = splitDecimal(toBigint(word))
        if (exponent > 0 && uvarintLength(mantissa) < rest) {
          this.codes.byte(DECIMAL_BASE + exponent)
          this.mantissas.uvarint(mantissa)
          continue
        }
      }
      this.codes.byte(z)
      this.words.bytes(word.subarray(z))
    }
  }

  columns(): Array<{ name: string; bytes: Uint8Array }> {
    return [
      { name: 'C15 data shapes', bytes: this.shapes.finish() },
      { name: 'C16 raw data', bytes: this.raw.finish() },
      { name: 'C17 selector refs', bytes: this.selectors.refs.finish() },
      { name: 'C18 selectors', bytes: this.selectorValues.finish() },
      { name: 'C19 word codes', bytes: this.codes.finish() },
      { name: 'C20 word bytes', bytes: this.words.finish() },
      { name: 'C21 word mantissas', bytes: this.mantissas.finish() },
      { name: 'C21a word table refs', bytes: this.tableRefs.finish() },
    ]
  }
}

/**
 * Reads C15–C21 back into T calldata strings. Zero words cost one body byte but expand to 32,
 * so expansion is bounded: per tx by the raw tx size limit, in total by `maxTotal`.
 */
export function readCalldata(
  r: ByteReader,
  T: number,
  maxTotal: number,
  table: readonly Address[],
): Uint8Array[] {
  const shapes = new Array<number>(T)
  let rawTotal = 0
  let wordTotal = 0
  let abiCount = 0
  let expanded = 0
  for (let i = 0; i < T; i++) {
    // Raw bytes and word codes (≥ 1 byte per word) must fit what is left of the body.
    const shape = r.uint('data shape', 2 * (r.remaining - rawTotal - wordTotal) + 1)
    shapes[i] = shape
    if (shape & 1) {
      wordTotal += (shape - 1) / 2
      abiCount++
    } else rawTotal += shape / 2
    if (rawTotal + wordTotal > r.remaining)
      throw new MalformedBatchError(`tx ${i}: calldata longer than the body`)
    const len = shape & 1 ? 4 + 16 * (shape - 1) : shape / 2
    if (len > MAX_TX_SIZE)
      throw new MalformedBatchError(`tx ${i}: ${len} bytes of calldata exceed the tx size limit`)
    expanded += len
    if (expanded > maxTotal)
      throw new BatchTooLargeError(`batch calldata expands beyond ${maxTotal} bytes`)
  }
  const raw = r.bytes(rawTotal, 'raw data')
  const { refs: selRefs, size: selCount } = readRefs(r, abiCount, 1, 'selector ref')
  const selectors: Uint8Array[] = []
  const seen = new Set<number>()
  for (let k = 0; k < selCount; k++) {
    const s = r.bytes(4, 'selector')
    const key = ((s[0]! << 24) | (s[1]! << 16) | (s[2]! << 8) | s[3]!) >>> 0
    if (seen.has(key)) throw new MalformedBatchError('selector dictionary repeats a value')
    seen.add(key)
    selectors.push(s)
  }
  const codes = r.bytes(wordTotal, 'word codes')
  let wordBytes = 0
  let decimals = 0
  let tableWords = 0
  for (let w = 0; w < wordTotal; w++) {
    const c = codes[w]!
    if (c > TABLE_WORD_CODE) throw new MalformedBatchError(`word code ${c} out of range`)
    if (c <= DECIMAL_BASE) wordBytes += 32 - c
    else if (c === TABLE_WORD_CODE) tableWords++
    else decimals++
  }
  const words = r.bytes(wordBytes, 'word bytes')
  const mantissas: bigint[] = []
  for (let k = 0; k < decimals; k++) mantissas.push(r.uvarint('word mantissa', U256_MAX))
  const tableRefs: number[] = []
  for (let k = 0; k < tableWords; k++) {
    if (table.length === 0) throw new MalformedBatchError('word table ref with an empty table')
    tableRefs.push(r.uint('word table ref', table.length - 1))
  }
  let tableIdx = 0

  const out = new Array<Uint8Array>(T)
  let rawOff = 0
  let wordIdx = 0
  let wordOff = 0
  let decIdx = 0
  let abi = 0
  for (let i = 0; i < T; i++) {
    const shape = shapes[i]!
    if ((shape & 1) === 0) {
      out[i] = raw.slice(rawOff, rawOff + shape / 2)
      rawOff += shape / 2
      continue
    }
    const k = (shape - 1) / 2
    const data = new Uint8Array(4 + 32 * k)
    data.set(selectors[selRefs[abi++]!]!, 0)
    for (let w = 0; w < k; w++, wordIdx++) {
      const c = codes[wordIdx]!
      const at = 4 + 32 * w
      if (c <= DECIMAL_BASE) {
        const len = 32 - c
        if (len > 0 && words[wordOff] === 0)
          throw new MalformedBatchError(`tx ${i}: word ${w} is not minimal (leading zero byte)`)
        data.set(words.subarray(wordOff, wordOff + len), at + c)
        wordOff += len
        continue
      }
      if (c === TABLE_WORD_CODE) {
        data.set(fromHex(table[tableRefs[tableIdx++]!]!), at + 12)
        continue
      }
      const m = mantissas[decIdx++]!
      if (m === 0n || m % 10n === 0n)
        throw new MalformedBatchError(`tx ${i}: word ${w} mantissa is not canonical`)
      let v = m * pow10(c - DECIMAL_BASE)
      if (v > U256_MAX) throw new MalformedBatchError(`tx ${i}: word ${w} above 2^256 - 1`)
      for (let b = 31; b >= 0 && v > 0n; b--) {
        data[at + b] = Number(v & 0xffn)
        v >>= 8n
      }
    }
    out[i] = data
  }
  return out
}
