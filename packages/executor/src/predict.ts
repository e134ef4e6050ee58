import { type Address, fromHex, type Hex, keccak256, type L2Tx, toHex } from '@lanes/core'
import type { ReadSet } from './write-set.js'

/** Where a predicted slot comes from: a fixed slot, or mapping[word] at base slot p. */
type Recipe =
  | { owner: Address; slot: Hex; word: -1; p: 0 }
  | { owner: Address; word: number; p: number }

type Pattern = { learned: number; recipes: Map<string, Recipe & { seen: number }> }

const WORDS = 5
const BASE_SLOTS = 16
const LEARN = 4
const MAX_KEYS = 24

/** Word k of the call: 0 = the sender (as a 32-byte word), k ≥ 1 = calldata argument k. */
function word(tx: L2Tx, k: number): Uint8Array | undefined {
  if (k === 0) {
    const w = new Uint8Array(32)
    w.set(fromHex(tx.from), 12)
    return w
  }
  const at = 4 + 32 * (k - 1)
  return tx.data.length >= at + 32 ? tx.data.subarray(at, at + 32) : undefined
}

function mappingKey(w: Uint8Array, p: number): Hex {
  const buf = new Uint8Array(64)
  buf.set(w, 0)
  buf[63] = p
  return toHex(keccak256(buf))
}

function patternKey(tx: L2Tx): string | undefined {
  if (tx.to === null || tx.data.length < 4) return undefined
  return tx.to + toHex(tx.data.subarray(0, 4)).slice(2)
}

/**
 * Learns, per (contract, selector), which storage slots a call reads: fixed slots, and
 * Solidity mapping entries keccak(word ‖ p) keyed by the sender or a calldata argument.
 * The parallel executor sends those base values with the tx, so a worker does not stop
 * for a round trip on each first read. A wrong guess only costs a wasted base read:
 * the worker still reads through its normal path, and validation is unchanged.
 */
export class SlotPredictor {
  private readonly patterns = new Map<string, Pattern>()

  predict(tx: L2Tx): Array<[Address, Hex]> {
    const key = patternKey(tx)
    const pat = key === undefined ? undefined : this.patterns.get(key)
    if (pat === undefined) return []
    const out: Array<[Address, Hex]> = []
    for (const r of pat.recipes.values()) {
      // fixed slots must repeat before they count (one call may touch a one-off slot)
      if (r.word < 0) {
        if (r.seen >= 2 || pat.learned === 1) out.push([r.owner, (r as { slot: Hex }).slot])
      } else {
        const w = word(tx, r.word)
        if (w !== undefined) out.push([r.owner, mappingKey(w, r.p)])
      }
      if (out.length >= MAX_KEYS) break
    }
    return out
  }

  /** A read pattern has been learned for this call (its prediction means something). */
  knows(tx: L2Tx): boolean {
    const key = patternKey(tx)
    return key !== undefined && this.patterns.has(key)
  }

  /** Feeds the reads of one execution of tx (first few per pattern only). */
  learn(tx: L2Tx, reads: ReadSet): void {
    const key = patternKey(tx)
    if (key === undefined || reads.storage.size === 0) return
    let pat = this.patterns.get(key)
    if (pat === undefined) {
      pat = { learned: 0, recipes: new Map() }
      this.patterns.set(key, pat)
    }
    if (pat.learned >= LEARN) return
    pat.learned++
    const candidates = new Map<Hex, { word: number; p: number }>()
    for (let k = 0; k < WORDS; k++) {
      const w = word(tx, k)
      if (w === undefined) continue
      for (let p = 0; p < BASE_SLOTS; p++) candidates.set(mappingKey(w, p), { word: k, p })
    }
    for (const [owner, slots] of reads.storage)
      for (const slot of slots.keys()) {
        const c = candidates.get(slot)
        const id = c === undefined ? `${owner}${slot}` : `${owner}:${c.word}:${c.p}`
        const have = pat.recipes.get(id)
        if (have !== undefined) have.seen++
        else if (c !== undefined) pat.recipes.set(id, { owner, word: c.word, p: c.p, seen: 1 })
        else pat.recipes.set(id, { owner, slot, word: -1, p: 0, seen: 1 })
      }
  }
}
