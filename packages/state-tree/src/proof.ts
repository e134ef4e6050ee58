import { fromHex, type Hex, toHex } from '@lanes/core'
import { MalformedProofError } from './errors.js'

export const PROOF_INCLUSION = 0
export const PROOF_EMPTY = 1
export const PROOF_OTHER_LEAF = 2
export type ProofKind = typeof PROOF_INCLUSION | typeof PROOF_EMPTY | typeof PROOF_OTHER_LEAF

/** A proof as specified in README section 4. */
export interface SmtProof {
  kind: ProofKind
  /** Depth of the terminal node, 0..256. */
  depth: number
  /** 32 bytes; bit i (MSB-first) set iff the sibling at level i is not empty. */
  bitmap: Uint8Array
  /** Non-empty siblings, root first. */
  siblings: Uint8Array[]
  /** Kind 2 only. */
  otherKey?: Uint8Array
  otherValue?: Uint8Array
}

/** JSON shape used by the vectors and by `eth_getProof`-style APIs. */
export interface SmtProofJson {
  kind: ProofKind
  depth: number
  bitmap: Hex
  siblings: Hex[]
  otherKey?: Hex
  otherValue?: Hex
}

export function popcount(bitmap: Uint8Array): number {
  let n = 0
  for (let i = 0; i < bitmap.length; i++) {
    let b = bitmap[i]!
    while (b) {
      n += b & 1
      b >>= 1
    }
  }
  return n
}

export function proofByteLength(proof: SmtProof): number {
  return 35 + (proof.kind === PROOF_OTHER_LEAF ? 64 : 0) + 32 * proof.siblings.length
}

export function encodeProof(proof: SmtProof): Uint8Array {
  const out = new Uint8Array(proofByteLength(proof))
  out[0] = proof.kind
  out[1] = proof.depth >> 8
  out[2] = proof.depth & 0xff
  out.set(proof.bitmap, 3)
  let off = 35
  if (proof.kind === PROOF_OTHER_LEAF) {
    if (!proof.otherKey || !proof.otherValue)
      throw new MalformedProofError('other-leaf proof without otherKey/otherValue')
    out.set(proof.otherKey, off)
    out.set(proof.otherValue, off + 32)
    off += 64
  }
  for (const s of proof.siblings) {
    out.set(s, off)
    off += 32
  }
  return out
}

/** Decode the byte encoding; throws MalformedProofError on anything but a well-formed proof. */
export function decodeProof(bytes: Uint8Array): SmtProof {
  if (!(bytes instanceof Uint8Array)) throw new MalformedProofError('proof must be bytes')
  if (bytes.length < 35) throw new MalformedProofError(`proof too short (${bytes.length} bytes)`)
  const kind = bytes[0]!
  if (kind !== PROOF_INCLUSION && kind !== PROOF_EMPTY && kind !== PROOF_OTHER_LEAF)
    throw new MalformedProofError(`unknown proof kind ${kind}`)
  const depth = (bytes[1]! << 8) | bytes[2]!
  const bitmap = bytes.slice(3, 35)
  const count = popcount(bitmap)
  let off = 35
  const proof: SmtProof = { kind, depth, bitmap, siblings: [] }
  if (kind === PROOF_OTHER_LEAF) {
    if (bytes.length < off + 64) throw new MalformedProofError('proof too short for other leaf')
    proof.otherKey = bytes.slice(off, off + 32)
    proof.otherValue = bytes.slice(off + 32, off + 64)
    off += 64
  }
  if (bytes.length !== off + 32 * count)
    throw new MalformedProofError(
      `proof length ${bytes.length} does not match ${count} siblings (expected ${off + 32 * count})`,
    )
  for (let i = 0; i < count; i++) proof.siblings.push(bytes.slice(off + 32 * i, off + 32 * i + 32))
  checkProofShape(proof)
  return proof
}

/** Structural checks shared by decode and verify. Throws MalformedProofError. */
export function checkProofShape(proof: SmtProof): void {
  if (typeof proof !== 'object' || proof === null) throw new MalformedProofError('proof missing')
  const { kind, depth, bitmap, siblings } = proof
  if (kind !== PROOF_INCLUSION && kind !== PROOF_EMPTY && kind !== PROOF_OTHER_LEAF)
    throw new MalformedProofError(`unknown proof kind ${String(kind)}`)
  if (!Number.isInteger(depth) || depth < 0 || depth > 256)
    throw new MalformedProofError(`proof depth ${String(depth)} out of range 0..256`)
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== 32)
    throw new MalformedProofError('proof bitmap must be 32 bytes')
  for (let i = depth; i < 256; i++) {
    if ((bitmap[i >> 3]! >> (7 - (i & 7))) & 1)
      throw new MalformedProofError(`bitmap bit ${i} set at or below depth ${depth}`)
  }
  if (!Array.isArray(siblings) || siblings.length !== popcount(bitmap))
    throw new MalformedProofError('sibling count does not match the bitmap')
  for (const s of siblings)
    if (!(s instanceof Uint8Array) || s.length !== 32)
      throw new MalformedProofError('siblings must be 32 bytes each')
  if (kind === PROOF_OTHER_LEAF) {
    const { otherKey, otherValue } = proof
    if (!(otherKey instanceof Uint8Array) || otherKey.length !== 32)
      throw new MalformedProofError('otherKey must be 32 bytes')
    if (!(otherValue instanceof Uint8Array) || otherValue.length !== 32)
      throw new MalformedProofError('otherValue must be 32 bytes')
  }
}

export function proofToJson(proof: SmtProof): SmtProofJson {
  const json: SmtProofJson = {
    kind: proof.kind,
    depth: proof.depth,
    bitmap: toHex(proof.bitmap),
    siblings: proof.siblings.map(toHex),
  }
  if (proof.kind === PROOF_OTHER_LEAF && proof.otherKey && proof.otherValue) {
    json.otherKey = toHex(proof.otherKey)
    json.otherValue = toHex(proof.otherValue)
  }
  return json
}

export function proofFromJson(json: SmtProofJson): SmtProof {
  try {
    const proof: SmtProof = {
      kind: json.kind,
      depth: json.depth,
      bitmap: fromHex(json.bitmap),
      siblings: json.siblings.map((s) => fromHex(s)),
    }
    if (json.otherKey !== undefined) proof.otherKey = fromHex(json.otherKey)
    if (json.otherValue !== undefined) proof.otherValue = fromHex(json.otherValue)
    checkProofShape(proof)
    return proof
  } catch (cause) {
    if (cause instanceof MalformedProofError) throw cause
    throw new MalformedProofError('proof JSON is not well formed', { cause })
  }
}
