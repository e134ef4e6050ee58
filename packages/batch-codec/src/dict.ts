import { type ByteReader, ByteWriter } from './bytes.js'
import { MalformedBatchError } from './errors.js'

/**
 * Dictionary-coded column (spec §3.3): one ref per item, `base − 1` = "new value" (the caller
 * writes it to the companion column), `base + k` = entry k. Refs below `base − 1` are the
 * column's special values (C8: 0 = contract creation).
 */
export class DictColumn<K> {
  readonly refs = new ByteWriter()
  private readonly index = new Map<K, number>()
  constructor(private readonly base: number) {}

  /** Returns true when `key` is new. */
  add(key: K): boolean {
    const at = this.index.get(key)
    if (at !== undefined) {
      this.refs.uvarint(at + this.base)
      return false
    }
    this.index.set(key, this.index.size)
    this.refs.uvarint(this.base - 1)
    return true
  }
}

/**
 * Reads `count` refs; returns per item the entry index (specials below `base − 1` come back
 * as −1 − ref) and the dictionary size (= number of new values to read next).
 */
export function readRefs(
  r: ByteReader,
  count: number,
  base: number,
  field: string,
): { refs: Int32Array; size: number } {
  const refs = new Int32Array(count)
  let size = 0
  for (let i = 0; i < count; i++) {
    const ref = r.uint(field, size + base - 1)
    if (ref === base - 1) refs[i] = size++
    else if (ref < base - 1) refs[i] = -1 - ref
    else refs[i] = ref - base
  }
  return { refs, size }
}

/** A refs column (base 1) and its companion column of uvarints ≤ `max`, all distinct. */
export function readDict(
  r: ByteReader,
  count: number,
  field: string,
  max: bigint,
): { refs: Int32Array; values: bigint[] } {
  const { refs, size } = readRefs(r, count, 1, `${field} ref`)
  const values: bigint[] = []
  const seen = new Set<bigint>()
  for (let k = size; k > 0; k--) {
    const v = r.uvarint(field, max)
    if (seen.has(v)) throw new MalformedBatchError(`${field} dictionary repeats a value`)
    seen.add(v)
    values.push(v)
  }
  return { refs, values }
}
