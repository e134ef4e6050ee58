import { bitAt, commonPrefixBits, compareWords, isZero } from './bytes.js'
import { EMPTY_WORD, leafHash, nodeHash } from './hashes.js'
import { PROOF_EMPTY, PROOF_INCLUSION, PROOF_OTHER_LEAF, type SmtProof } from './proof.js'

/** A present leaf. */
export interface Leaf {
  key: Uint8Array
  value: Uint8Array
}

/**
 * The specification (README section 3) transcribed literally: root of a set of leaves,
 * recomputed from scratch. Slow; the reference every optimised path is tested against.
 */
export function referenceRoot(leaves: readonly Leaf[]): Uint8Array {
  const sorted = normalise(leaves)
  return subtreeHash(sorted, 0)
}

function normalise(leaves: readonly Leaf[]): Leaf[] {
  const present = leaves.filter((l) => !isZero(l.value))
  present.sort((a, b) => compareWords(a.key, 0, b.key, 0))
  for (let i = 1; i < present.length; i++)
    if (compareWords(present[i - 1]!.key, 0, present[i]!.key, 0) === 0)
      throw new Error('duplicate key in reference leaves')
  return present
}

function subtreeHash(leaves: readonly Leaf[], depth: number): Uint8Array {
  if (leaves.length === 0) return EMPTY_WORD
  if (leaves.length === 1) return leafHash(leaves[0]!.key, leaves[0]!.value)
  const left = leaves.filter((l) => bitAt(l.key, depth) === 0)
  const right = leaves.filter((l) => bitAt(l.key, depth) === 1)
  return nodeHash(subtreeHash(left, depth + 1), subtreeHash(right, depth + 1))
}

/** Proof for `key` built from the specification directly. */
export function referenceProof(leaves: readonly Leaf[], key: Uint8Array): SmtProof {
  let set = normalise(leaves)
  const bitmap = new Uint8Array(32)
  const siblings: Uint8Array[] = []
  let depth = 0
  while (set.length >= 2) {
    const b = bitAt(key, depth)
    const mine = set.filter((l) => bitAt(l.key, depth) === b)
    const other = set.filter((l) => bitAt(l.key, depth) !== b)
    const s = subtreeHash(other, depth + 1)
    if (!isZero(s)) {
      bitmap[depth >> 3]! |= 0x80 >> (depth & 7)
      siblings.push(s)
    }
    set = mine
    depth++
  }
  if (set.length === 0) return { kind: PROOF_EMPTY, depth, bitmap, siblings }
  const only = set[0]!
  if (commonPrefixBits(only.key, 0, key, 0) === 256)
    return { kind: PROOF_INCLUSION, depth, bitmap, siblings }
  return {
    kind: PROOF_OTHER_LEAF,
    depth,
    bitmap,
    siblings,
    otherKey: only.key,
    otherValue: only.value,
  }
}
