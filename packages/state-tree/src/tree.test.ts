import { keccak256, keccak256Reference, toHex } from '@lanes/core'
import type Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { VersionNotFoundError, VersionPrunedError } from './errors.js'
import { createRawKeccak } from './keccak-wasm.js'
import { LatestOnlyNodeStore } from './latest-only-node-store.js'
import { MemoryNodeStore } from './memory-node-store.js'
import type { NodeStore } from './node-store.js'
import { openDatabase } from './open-database.js'
import { encodeProof } from './proof.js'
import { referenceProof, referenceRoot } from './reference.js'
import { SqliteNodeStore } from './sqlite-node-store.js'
import { keyPool, modelLeaves, setModel, tempDir, valuePool } from './test-support.js'
import { type LeafUpdate, SparseMerkleTree } from './tree.js'
import { verifyProof } from './verify.js'

const pool = keyPool()
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let fileNo = 0

type Model = Map<string, { key: Uint8Array; value: Uint8Array }>
const opArb = fc.record({
  k: fc.nat(pool.length - 1),
  v: fc.integer({ min: -1, max: valuePool.length - 1 }),
})
const batchesArb = fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 8 })

function toUpdates(ops: { k: number; v: number }[]): LeafUpdate[] {
  const seen = new Map<number, LeafUpdate>()
  for (const o of ops) seen.set(o.k, { key: pool[o.k]!, value: o.v < 0 ? null : valuePool[o.v]! })
  return [...seen.values()]
}

const stores: { name: string; make: () => { store: NodeStore; db?: Database.Database } }[] = [
  { name: 'memory', make: () => ({ store: new MemoryNodeStore() }) },
  {
    name: 'sqlite',
    make: () => {
      const db = openDatabase(tmp.file(`t${fileNo++}.db`))
      return { store: new SqliteNodeStore(db), db }
    },
  },
  {
    // rows move from smt_node_recent to smt_node every few rows: reads, prune and rollback
    // then meet rows in both tables
    name: 'sqlite, rows moving to smt_node',
    make: () => {
      const db = openDatabase(tmp.file(`tm${fileNo++}.db`))
      return { store: new SqliteNodeStore(db, { recentRows: 7 }), db }
    },
  },
]

describe('raw keccak', () => {
  it('matches @noble/hashes on 65-byte inputs', () => {
    const k = createRawKeccak()
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), (input) => {
        k.mem.set(input, k.offset)
        k.hash(65)
        expect(toHex(k.mem.slice(k.offset, k.offset + 32))).toBe(toHex(keccak256Reference(input)))
      }),
      { numRuns: 50 },
    )
  })
})

for (const { name, make } of stores) {
  describe(`SparseMerkleTree on ${name}`, () => {
    it('any sequence of batches gives the reference root; every key proves', () => {
      fc.assert(
        fc.property(batchesArb, (batches) => {
          const { store, db } = make()
          const tree = new SparseMerkleTree(store)
          const model: Model = new Map()
          const history: { version: bigint; root: string; leaves: Model }[] = []
          let version = 10n
          for (const ops of batches) {
            const updates = toUpdates(ops)
            for (const u of updates)
              setModel(model, u.key as Uint8Array, u.value as Uint8Array | null)
            const root = tree.applyBatch(version, updates)
            expect(root).toBe(toHex(referenceRoot(modelLeaves(model))))
            expect(tree.leafCount()).toBe(model.size)
            history.push({ version, root, leaves: new Map(model) })
            version += BigInt(1 + (ops.length % 3))
          }
          // every retained version: root, get and proofs for every pool key
          for (const h of history) {
            expect(tree.rootAt(h.version)).toBe(h.root)
            for (const k of pool) {
              const want = h.leaves.get(toHex(k))?.value ?? null
              const got = tree.get(k, h.version)
              expect(got ? toHex(got) : null).toBe(want ? toHex(want) : null)
              const proof = tree.prove(k, h.version)
              if (h === history[history.length - 1])
                expect(encodeProof(proof)).toEqual(
                  encodeProof(referenceProof(modelLeaves(h.leaves), k)),
                )
              expect(verifyProof(h.root as `0x${string}`, k, want, proof)).toEqual({ ok: true })
            }
          }
          db?.close()
        }),
        { numRuns: name === 'memory' ? 20 : 6 },
      )
    })

    it('deleting keys restores the exact earlier root', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.nat(pool.length - 1), { minLength: 1, maxLength: 20 }),
          fc.uniqueArray(fc.nat(pool.length - 1), { minLength: 1, maxLength: 8 }),
          (base, extra) => {
            const { store, db } = make()
            const tree = new SparseMerkleTree(store)
            const before = tree.applyBatch(
              1n,
              base.map((k) => ({ key: pool[k]!, value: valuePool[k % 4]! })),
            )
            const added = extra.filter((k) => !base.includes(k))
            tree.applyBatch(
              2n,
              added.map((k) => ({ key: pool[k]!, value: valuePool[0]! })),
            )
            const after = tree.applyBatch(
              3n,
              added.map((k) => ({ key: pool[k]!, value: null })),
            )
            expect(after).toBe(before)
            db?.close()
          },
        ),
        { numRuns: name === 'memory' ? 40 : 10 },
      )
    })

    it('proofs fail for any tampered sibling, key, value or root', () => {
      const { store, db } = make()
      const tree = new SparseMerkleTree(store)
      const present = pool.slice(0, 20)
      const root = tree.applyBatch(
        1n,
        present.map((k, i) => ({ key: k, value: valuePool[i % 4]! })),
      )
      fc.assert(
        fc.property(
          fc.nat(pool.length - 1),
          fc.constantFrom('sibling', 'key', 'value', 'root', 'other'),
          fc.nat(255),
          (ki, what, bit) => {
            const key = pool[ki]!.slice()
            const value = ki < 20 ? valuePool[ki % 4]!.slice() : null
            const proof = tree.prove(key)
            expect(verifyProof(root, key, value, proof).ok).toBe(true)
            const flip = (b: Uint8Array) => {
              b[bit >> 3]! ^= 0x80 >> (bit & 7)
            }
            let r = root as string
            if (what === 'sibling') {
              if (proof.siblings.length === 0) return
              flip(proof.siblings[bit % proof.siblings.length]!)
            } else if (what === 'key') {
              // an absence proof is also valid for other keys reaching the same spot: only
              // bits above the terminal matter then
              if (value === null && bit >= proof.depth) return
              flip(key)
            } else if (what === 'value') {
              if (!value) return
              flip(value)
            } else if (what === 'root') r = toHex(keccak256(new TextEncoder().encode(r)))
            else {
              if (!proof.otherValue) return
              flip(proof.otherValue)
            }
            const res = verifyProof(r as `0x${string}`, key, value, proof)
            expect(res.ok).toBe(false)
          },
        ),
        { numRuns: 300 },
      )
      db?.close()
    })

    it('pruned versions fail with a typed error, retained ones still prove; prune is exact', () => {
      const { store, db } = make()
      const tree = new SparseMerkleTree(store)
      const model: Model = new Map()
      const roots: string[] = []
      for (let v = 1; v <= 8; v++) {
        const updates = pool
          .map((k, i) => ({ k, i }))
          .filter(({ i }) => (i * 7 + v) % 5 < 2)
          .map(({ k, i }) => ({
            key: k,
            value: (i + v) % 6 === 0 ? null : valuePool[(i + v) % 4]!,
          }))
        for (const u of updates) setModel(model, u.key, u.value)
        roots[v] = tree.applyBatch(BigInt(v), updates)
      }
      const rowsBefore = store.nodeCount()
      const { nodesDeleted } = tree.prune(5n)
      expect(nodesDeleted).toBeGreaterThan(0)
      expect(store.nodeCount()).toBe(rowsBefore - nodesDeleted)
      expect(() => tree.rootAt(4n)).toThrow(VersionPrunedError)
      expect(() => tree.prove(pool[0]!, 2n)).toThrow(VersionPrunedError)
      expect(() => tree.rootAt(9n)).toThrow(VersionNotFoundError)
      for (let v = 5; v <= 8; v++) {
        expect(tree.rootAt(BigInt(v))).toBe(roots[v])
        for (const k of pool) {
          const p = tree.prove(k, BigInt(v))
          const got = tree.get(k, BigInt(v))
          expect(verifyProof(roots[v] as `0x${string}`, k, got, p).ok).toBe(true)
        }
      }
      // pruning everything but the latest leaves exactly the latest tree's nodes
      tree.prune(8n)
      expect(store.nodeCount()).toBe(
        countNodes(
          modelLeaves(model).map((l) => l.key),
          0,
        ),
      )
      db?.close()
    })
  })
}

/** Number of stored nodes (internal + leaves) of the compressed tree over these keys. */
function countNodes(keys: Uint8Array[], d: number): number {
  if (keys.length <= 1) return keys.length
  const bit = (k: Uint8Array) => (k[d >> 3]! >> (7 - (d & 7))) & 1
  return (
    1 +
    countNodes(
      keys.filter((k) => bit(k) === 0),
      d + 1,
    ) +
    countNodes(
      keys.filter((k) => bit(k) === 1),
      d + 1,
    )
  )
}

describe('SQLite durability', () => {
  it('a reopened file gives the same roots and proofs for every retained version', () => {
    const file = tmp.file('reopen.db')
    let db = openDatabase(file)
    let tree = new SparseMerkleTree(new SqliteNodeStore(db))
    const roots: string[] = []
    for (let v = 1; v <= 5; v++)
      roots[v] = tree.applyBatch(
        BigInt(v),
        pool
          .filter((_, i) => (i + v) % 3 === 0)
          .map((k, i) => ({ key: k, value: valuePool[(i + v) % 4]! })),
      )
    const proofs = [1, 3, 5].map((v) =>
      pool.map((k) => toHex(encodeProof(tree.prove(k, BigInt(v))))),
    )
    db.close()
    db = openDatabase(file)
    tree = new SparseMerkleTree(new SqliteNodeStore(db))
    expect(tree.latestVersion()).toBe(5n)
    expect(tree.root()).toBe(roots[5])
    for (let v = 1; v <= 5; v++) expect(tree.rootAt(BigInt(v))).toBe(roots[v])
    for (const [i, v] of [1, 3, 5].entries())
      expect(pool.map((k) => toHex(encodeProof(tree.prove(k, BigInt(v)))))).toEqual(proofs[i])
    // the lazily loaded tree keeps applying batches correctly
    const next = tree.applyBatch(6n, [
      { key: pool[0]!, value: null },
      { key: pool[1]!, value: valuePool[3]! },
    ])
    const fresh = new SparseMerkleTree()
    const model: Model = new Map()
    for (const k of pool) {
      const got = tree.get(k)
      if (got) setModel(model, k, got)
    }
    expect(fresh.applyBatch(1n, [...model.values()])).toBe(next)
    db.close()
  })

  it('joins the caller transaction: a rollback leaves tree and file at the old version', () => {
    const db = openDatabase(tmp.file('tx.db'))
    const tree = new SparseMerkleTree(new SqliteNodeStore(db))
    const r1 = tree.applyBatch(
      1n,
      pool.slice(0, 10).map((k) => ({ key: k, value: valuePool[0]! })),
    )
    const block = db.transaction(() => {
      tree.applyBatch(2n, [{ key: pool[11]!, value: valuePool[1]! }])
      throw new Error('block failed')
    })
    expect(() => block()).toThrow('block failed')
    expect(tree.latestVersion()).toBe(1n)
    expect(tree.root()).toBe(r1)
    expect(tree.get(pool[11]!)).toBeNull()
    const ok = db.transaction(() => tree.applyBatch(2n, [{ key: pool[11]!, value: valuePool[1]! }]))
    const r2 = ok()
    expect(tree.rootAt(2n)).toBe(r2)
    expect(r2).not.toBe(r1)
    db.close()
  })
})

describe('input errors are typed', () => {
  it('verifyProof never throws on garbage', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (bytes, key) => {
          const r = verifyProof(new Uint8Array(32), key, null, bytes)
          expect(r.ok === false || bytes.length >= 35).toBe(true)
          if (!r.ok) expect(r.error.name).toMatch(/Error$/)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('bad keys, unsorted or duplicate batches and old versions are rejected', () => {
    const tree = SparseMerkleTree.inMemory()
    expect(() => tree.applyBatch(1n, [{ key: '0x1234', value: null }])).toThrow(/32 bytes/)
    expect(() =>
      tree.applyBatch(1n, [
        { key: pool[0]!, value: valuePool[0]! },
        { key: pool[0]!, value: valuePool[1]! },
      ]),
    ).toThrow(/strictly increasing/)
    tree.applyBatch(5n, [{ key: pool[0]!, value: valuePool[0]! }])
    expect(() => tree.applyBatch(5n, [])).toThrow(/not above/)
    expect(() => tree.get(pool[0]!, 1n)).toThrow(VersionNotFoundError)
    expect(() => tree.prove('0xzz' as `0x${string}`)).toThrow(/not hex/)
  })
})

describe('LatestOnlyNodeStore', () => {
  it('gives the same roots and latest proofs, and reports older versions as pruned', () => {
    const full = SparseMerkleTree.inMemory()
    const lean = new SparseMerkleTree(new LatestOnlyNodeStore())
    for (let v = 1; v <= 4; v++) {
      const updates = pool
        .filter((_, i) => (i + v) % 3 !== 0)
        .map((k, i) => ({ key: k, value: (i + v) % 5 === 0 ? null : valuePool[(i * v) % 4]! }))
      expect(lean.applyBatch(BigInt(v), updates)).toBe(full.applyBatch(BigInt(v), updates))
    }
    for (const k of pool) {
      expect(encodeProof(lean.prove(k))).toEqual(encodeProof(full.prove(k)))
      expect(lean.prove(k, 4n).depth).toBe(full.prove(k, 4n).depth)
    }
    expect(() => lean.rootAt(3n)).toThrow(VersionPrunedError)
    expect(lean.store.nodeCount()).toBe(0)
  })
})
