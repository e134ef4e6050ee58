import { keccak256 } from '@lanes/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareWords } from './bytes.js'
import { SparseMerkleTree } from './tree.js'
import { verifyProof } from './verify.js'
import { WorkerHasher } from './worker-hasher.js'

function batch(seed: number, n: number, existing: Uint8Array[], del: number) {
  const entries: { key: Uint8Array; value: Uint8Array }[] = []
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const reuse = existing.length > 0 && i % 3 !== 0
    const key = reuse
      ? existing[(i * 7919 + seed) % existing.length]!
      : keccak256(new Uint8Array([seed, i & 255, i >> 8, 1]))
    const id = Buffer.from(key).toString('hex')
    if (seen.has(id)) continue
    seen.add(id)
    const value =
      i % del === 0 ? new Uint8Array(32) : keccak256(new Uint8Array([seed, i & 255, i >> 8, 2]))
    entries.push({ key, value })
  }
  entries.sort((a, b) => compareWords(a.key, 0, b.key, 0))
  const keys = new Uint8Array(entries.length * 32)
  const values = new Uint8Array(entries.length * 32)
  entries.forEach((e, i) => {
    keys.set(e.key, i * 32)
    values.set(e.value, i * 32)
  })
  return { keys, values, list: entries.map((e) => e.key) }
}

describe('WorkerHasher', () => {
  let hasher: WorkerHasher
  beforeAll(async () => {
    hasher = await WorkerHasher.create({ threads: 2, splitDepth: 4, minBatch: 64 })
  }, 30_000)
  afterAll(async () => {
    await hasher.close()
  })

  it('gives the same roots and proofs as hashing on one thread', () => {
    const one = SparseMerkleTree.inMemory()
    const many = SparseMerkleTree.inMemory({ hasher })
    let known: Uint8Array[] = []
    for (let b = 0; b < 6; b++) {
      const { keys, values, list } = batch(b, b === 0 ? 8_000 : 2_500, known, b === 0 ? 1e9 : 5)
      const r1 = one.applySorted(BigInt(b + 1), keys, values)
      const r2 = many.applySorted(BigInt(b + 1), keys, values)
      expect(r2).toBe(r1)
      known = known.concat(list.filter((_, i) => i % 2 === 0)).slice(-8_000)
    }
    expect(many.leafCount()).toBe(one.leafCount())
    for (const k of known.slice(0, 50)) {
      const p = many.prove(k)
      expect(verifyProof(many.root(), k, many.get(k), p).ok).toBe(true)
    }
  })
})
