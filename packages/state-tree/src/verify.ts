import { LanesError } from '@lanes/core'
import { bitAt, commonPrefixBits, equalWords, isZero, type Word, wordBytes } from './bytes.js'
import { MalformedProofError, StateTreeError } from './errors.js'
import { EMPTY_WORD, leafHash, nodeHash } from './hashes.js'
import {
  checkProofShape,
  decodeProof,
  PROOF_EMPTY,
  PROOF_INCLUSION,
  PROOF_OTHER_LEAF,
  type SmtProof,
} from './proof.js'

/** A well-formed proof that does not lead to the given root for the given key/value. */
export class ProofMismatchError extends StateTreeError {
  override name = 'ProofMismatchError'
}

export type VerifyResult =
  | { ok: true }
  | { ok: false; error: MalformedProofError | ProofMismatchError | StateTreeError }

/**
 * Check `proof` shows `key` holding `value` (or being absent when value is null) under `root`.
 * Pure; never throws: malformed input comes back as a typed error.
 */
export function verifyProof(
  root: Word,
  key: Word,
  value: Word | null,
  proof: SmtProof | Uint8Array,
): VerifyResult {
  try {
    const r = wordBytes(root, 'root')
    const k = wordBytes(key, 'key')
    const v = value === null ? null : wordBytes(value, 'value')
    const p = proof instanceof Uint8Array ? decodeProof(proof) : proof
    checkProofShape(p)
    let h: Uint8Array<ArrayBufferLike>
    if (v !== null) {
      if (p.kind !== PROOF_INCLUSION) return mismatch('value given but the proof shows absence')
      if (isZero(v)) return mismatch('zero value: present leaves never hold zero')
      h = leafHash(k, v)
    } else if (p.kind === PROOF_EMPTY) {
      h = EMPTY_WORD
    } else if (p.kind === PROOF_OTHER_LEAF) {
      const ok = p.otherKey as Uint8Array
      const ov = p.otherValue as Uint8Array
      if (equalWords(ok, 0, k, 0)) return mismatch('other leaf has the proven key itself')
      if (isZero(ov)) return mismatch('other leaf has a zero value')
      if (commonPrefixBits(ok, 0, k, 0) < p.depth)
        return mismatch('other leaf is not on the key path')
      h = leafHash(ok, ov)
    } else {
      return mismatch('inclusion proof given for an absent key')
    }
    let j = p.siblings.length
    for (let i = p.depth - 1; i >= 0; i--) {
      let s: Uint8Array<ArrayBufferLike> = EMPTY_WORD
      if (bitAt(p.bitmap, i)) {
        j--
        s = p.siblings[j] as Uint8Array
      }
      h = bitAt(k, i) === 0 ? nodeHash(h, s) : nodeHash(s, h)
    }
    if (j !== 0) return { ok: false, error: new MalformedProofError('unused siblings') }
    if (!equalWords(h, 0, r, 0)) return mismatch('computed root differs')
    return { ok: true }
  } catch (error) {
    if (error instanceof StateTreeError) return { ok: false, error }
    return {
      ok: false,
      error: new MalformedProofError('proof could not be checked', {
        cause: error instanceof LanesError ? error : error,
      }),
    }
  }
}

function mismatch(why: string): VerifyResult {
  return { ok: false, error: new ProofMismatchError(`proof does not verify: ${why}`) }
}

/** Boolean form of verifyProof. */
export function isValidProof(
  root: Word,
  key: Word,
  value: Word | null,
  proof: SmtProof | Uint8Array,
): boolean {
  return verifyProof(root, key, value, proof).ok
}
