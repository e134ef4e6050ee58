import { keccak256, toHex } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceRoot } from './reference.js'
import { modelLeaves, setModel } from './test-support.js'
import { type LeafUpdate, SparseMerkleTree } from './tree.js'

/**
 * Batched hashing (one keccak call per level of a window of ops, native or WebAssembly) and
 * per-call hashing must give the same tree. Batches of thousands of keys cross the runner's window and chunk edges.
 */
describe('hashing modes', () => {
  it('batched (native when built), WebAssembly and per-call hashing give the same roots and proofs as the reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 3000 }), del: fc.nat(3) }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer(),
        (batches, seed) => {
          const batched = SparseMerkleTree.inMemory()
          const perCall = SparseMerkleTree.inMemory({ hashing: 'per-call' })
          const wasm = SparseMerkleTree.inMemory({ hashing: 'wasm' })
          const model = new Map<string, { key: Uint8Array; value: Uint8Array }>()
          const keys: Uint8Array[] = []
          let v = 1n
          for (const { n, del } of batches) {
            const updates = new Map<string, LeafUpdate>()
            for (let i = 0; i < n; i++) {
              const word = keccak256(
                new Uint8Array([...toBytes(seed), ...toBytes(Number(v)), i & 255, i >> 8]),
              )
              // a third of the updates hit keys written before, some of them deleting
              const reuse = keys.length > 0 && word[0]! % 3 === 0
              const key = reuse ? keys[word[1]! % keys.length]! : word
              if (!reuse) keys.push(key)
              const value = reuse && word[2]! % 4 < del ? null : keccak256(word)
              updates.set(toHex(key), { key, value })
            }
            const list = [...updates.values()]
            const words = [...updates.values()].map((u) => ({
              key: u.key as Uint8Array,
              value: u.value as Uint8Array | null,
            }))
            for (const u of words) setModel(model, u.key, u.value)
            const r = batched.applyBatch(v, list)
            expect(perCall.applyBatch(v, list)).toBe(r)
            expect(wasm.applyBatch(v, list)).toBe(r)
            expect(r).toBe(toHex(referenceRoot(modelLeaves(model))))
            v++
          }
          for (const k of keys.slice(0, 20)) expect(batched.prove(k)).toEqual(perCall.prove(k))
        },
      ),
      { numRuns: 12 },
    )
  })
})

function toBytes(n: number): number[] {
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255]
}
