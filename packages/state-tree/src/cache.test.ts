import { keccak256, toHex } from '@lanes/core'
import type Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryNodeStore } from './memory-node-store.js'
import type { NodeStore } from './node-store.js'
import { openDatabase } from './open-database.js'
import { encodeProof } from './proof.js'
import { SqliteNodeStore } from './sqlite-node-store.js'
import { tempDir } from './test-support.js'
import { type LeafUpdate, SparseMerkleTree } from './tree.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let fileNo = 0

const keys = Array.from({ length: 400 }, (_, i) => keccak256(new Uint8Array([7, i >> 8, i & 255])))
const value = (n: number) => keccak256(new Uint8Array([8, n]))

const stores: { name: string; make: () => { store: NodeStore; db?: Database.Database } }[] = [
  { name: 'memory', make: () => ({ store: new MemoryNodeStore() }) },
  {
    name: 'sqlite',
    make: () => {
      const db = openDatabase(tmp.file(`cache${fileNo++}.db`))
      return { store: new SqliteNodeStore(db), db }
    },
  },
  {
    // rows move from smt_node_recent to smt_node every few rows: reads, prune and rollback
    // then meet rows in both tables
    name: 'sqlite, rows moving to smt_node',
    make: () => {
      const db = openDatabase(tmp.file(`cachem${fileNo++}.db`))
      return { store: new SqliteNodeStore(db, { recentRows: 7 }), db }
    },
  },
]

const batchArb = fc.array(
  fc.record({ k: fc.nat(keys.length - 1), v: fc.integer({ min: -1, max: 5 }) }),
  { minLength: 1, maxLength: 120 },
)

for (const { name, make } of stores)
  describe(`bounded cache on ${name}`, () => {
    it('stays within its bound and gives the roots and proofs of an unbounded tree', () => {
      fc.assert(
        fc.property(
          fc.array(batchArb, { minLength: 2, maxLength: 6 }),
          fc.integer({ min: 40, max: 300 }),
          (batches, max) => {
            const { store, db } = make()
            const small = new SparseMerkleTree(store, {
              cache: { maxEntries: max, pinnedDepth: 3 },
            })
            const big = SparseMerkleTree.inMemory()
            let peak = 0
            batches.forEach((ops, i) => {
              const m = new Map<number, LeafUpdate>()
              for (const o of ops)
                m.set(o.k, { key: keys[o.k]!, value: o.v < 0 ? null : value(o.v) })
              const updates = [...m.values()]
              expect(small.applyBatch(BigInt(i), updates)).toBe(big.applyBatch(BigInt(i), updates))
              peak = Math.max(peak, small.cachedEntries())
              for (let k = i; k < keys.length; k += 37) {
                const key = keys[k]!
                expect(toHex(encodeProof(small.prove(key)))).toBe(
                  toHex(encodeProof(big.prove(key))),
                )
                const g = small.get(key)
                expect(g ? toHex(g) : null).toBe(big.get(key) ? toHex(big.get(key)!) : null)
              }
              // the pinned top (depth < 3: at most 7 nodes + their leaf children) may exceed a
              // tiny bound; everything else is evicted down to 90 % of it
              expect(small.cachedEntries()).toBeLessThanOrEqual(Math.max(max, 16))
            })
            expect(peak).toBeGreaterThan(0)
            db?.close()
          },
        ),
        { numRuns: name === 'sqlite' ? 15 : 40 },
      )
    })
  })

describe('cache eviction order', () => {
  it('evicts the least recently used subtrees first and keeps the upper levels', () => {
    const store = new MemoryNodeStore()
    SparseMerkleTree.inMemory() // warm the keccak module
    new SparseMerkleTree(store).applyBatch(
      0n,
      keys.map((k, i) => ({ key: k, value: value(i % 5) })),
    )
    let reads = 0
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'readNode') reads++
        const v = Reflect.get(target, prop, receiver)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
    const tree = new SparseMerkleTree(counting, { cache: { maxEntries: 300, pinnedDepth: 6 } })
    for (const k of keys) tree.get(k)
    const hot = keys.slice(0, 5)
    for (const h of hot) tree.get(h)
    // read cold keys until one read makes the cache evict
    let evicted = false
    for (let i = 100; i < keys.length && !evicted; i++) {
      const before = tree.cachedEntries()
      tree.get(keys[i]!)
      evicted = tree.cachedEntries() < before
    }
    expect(evicted).toBe(true)
    expect(tree.cachedEntries()).toBeLessThanOrEqual(300)
    reads = 0
    for (const h of hot) expect(toHex(tree.get(h)!)).toBe(toHex(value(keys.indexOf(h) % 5)))
    expect(reads).toBe(0) // the recently used survived the eviction
    tree.get(keys[399]!)
    tree.get(keys[200]!)
    expect(reads).toBeGreaterThan(0) // colder ones were evicted and are read back
  })
})
