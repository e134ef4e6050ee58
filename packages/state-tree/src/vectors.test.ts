import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { concatBytes, fromHex, keccak256Reference, toHex } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import { decodeProof, encodeProof, proofFromJson } from './proof.js'
import { generateAllVectors, type StorageSlotVector, type TreeVectors } from './vectors.js'
import { verifyProof } from './verify.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'vectors')
const load = <T>(name: string): T => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T

describe('test vectors', () => {
  it('the committed files equal what the reference implementation generates', () => {
    for (const [name, data] of Object.entries(generateAllVectors()))
      expect(load(name), name).toEqual(JSON.parse(JSON.stringify(data)))
  })

  it('every valid proof verifies, in JSON and byte form, and re-encodes identically', () => {
    const v = load<TreeVectors>('trees.json')
    let n = 0
    for (const t of v.trees) {
      for (const p of t.proofs) {
        const proof = proofFromJson(p)
        expect(toHex(encodeProof(proof))).toBe(p.encoded)
        expect(verifyProof(t.root, p.key, p.value, proof)).toEqual({ ok: true })
        expect(verifyProof(t.root, p.key, p.value, fromHex(p.encoded))).toEqual({ ok: true })
        n++
      }
    }
    expect(n).toBeGreaterThan(30)
  })

  it('covers all three proof kinds and a depth-256 leaf', () => {
    const v = load<TreeVectors>('trees.json')
    const proofs = v.trees.flatMap((t) => t.proofs)
    expect(new Set(proofs.map((p) => p.kind))).toEqual(new Set([0, 1, 2]))
    expect(proofs.some((p) => p.depth === 256)).toBe(true)
  })

  it('every invalid vector is rejected with a typed error', () => {
    const v = load<TreeVectors>('trees.json')
    expect(v.invalid.length).toBeGreaterThanOrEqual(8)
    for (const bad of v.invalid) {
      const r = verifyProof(bad.root, bad.key, bad.value, fromHex(bad.encoded))
      expect(r.ok, bad.why).toBe(false)
      if (!r.ok) expect(r.error.name).toMatch(/MalformedProofError|ProofMismatchError/)
    }
  })

  it('roots agree with an independent keccak (@noble/hashes) for small trees', () => {
    const v = load<TreeVectors>('trees.json')
    const k = (b: Uint8Array) => keccak256Reference(b)
    for (const t of v.trees.filter((x) => x.leaves.length === 1)) {
      const l = t.leaves[0]!
      expect(toHex(k(concatBytes(new Uint8Array([0]), fromHex(l.key), fromHex(l.value))))).toBe(
        t.root,
      )
    }
    const two = v.trees.find((x) => x.name === 'two leaves split at bit 0')!
    const lh = two.leaves.map((l) =>
      k(concatBytes(new Uint8Array([0]), fromHex(l.key), fromHex(l.value))),
    )
    expect(toHex(k(concatBytes(new Uint8Array([1]), lh[0]!, lh[1]!)))).toBe(two.root)
  })

  it('the storage-slot example verifies and uses the documented derivation', () => {
    const s = load<StorageSlotVector>('storage-slot.json')
    const slot = keccak256Reference(concatBytes(fromHex(s.mappingKey), fromHex(s.mappingSlot)))
    expect(toHex(slot)).toBe(s.slot)
    const key = keccak256Reference(concatBytes(fromHex(s.contract), slot))
    expect(toHex(key)).toBe(s.key)
    expect(verifyProof(s.root, s.key, s.value, fromHex(s.proof.encoded))).toEqual({ ok: true })
    expect(decodeProof(fromHex(s.proof.encoded)).kind).toBe(0)
  })
})
