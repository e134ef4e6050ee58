import { type Address, toHex } from '@lanes/core'
import type Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { VersionNotFoundError, VersionPrunedError } from './errors.js'
import { MemoryNodeStore } from './memory-node-store.js'
import type { NodeStore } from './node-store.js'
import { openDatabase } from './open-database.js'
import { encodeProof } from './proof.js'
import { referenceRoot } from './reference.js'
import { SqliteNodeStore } from './sqlite-node-store.js'
import { keyPool, modelLeaves, setModel, tempDir, valuePool } from './test-support.js'
import { type LeafUpdate, SparseMerkleTree } from './tree.js'
import { WorldState } from './world-state.js'
import { addrs, diffArb, slots } from './ws-test-support.js'

const pool = keyPool()
const tmp = tempDir()
afterAll(() => tmp.cleanup())
let fileNo = 0

const opArb = fc.record({
  k: fc.nat(pool.length - 1),
  v: fc.integer({ min: -1, max: valuePool.length - 1 }),
})
const batchArb = fc.array(opArb, { maxLength: 12 })

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
      const db = openDatabase(tmp.file(`rb${fileNo++}.db`))
      return { store: new SqliteNodeStore(db), db }
    },
  },
  {
    // rows move from smt_node_recent to smt_node every few rows: reads, prune and rollback
    // then meet rows in both tables
    name: 'sqlite, rows moving to smt_node',
    make: () => {
      const db = openDatabase(tmp.file(`rbm${fileNo++}.db`))
      return { store: new SqliteNodeStore(db, { recentRows: 7 }), db }
    },
  },
]

/** Every observable of `tree` at `version` equals that of `fresh`. */
function expectSame(tree: SparseMerkleTree, fresh: SparseMerkleTree, version: bigint): void {
  expect(tree.rootAt(version)).toBe(fresh.rootAt(version))
  for (const k of pool) {
    const a = tree.get(k, version)
    expect(a ? toHex(a) : null).toBe(fresh.get(k, version) ? toHex(fresh.get(k, version)!) : null)
    expect(toHex(encodeProof(tree.prove(k, version)))).toBe(
      toHex(encodeProof(fresh.prove(k, version))),
    )
  }
}

for (const { name, make } of stores) {
  describe(`rollbackTo on ${name}`, () => {
    it('equals a tree that never applied the later batches, and can go on from there', () => {
      fc.assert(
        fc.property(
          fc.array(batchArb, { minLength: 1, maxLength: 7 }),
          fc.nat(),
          fc.array(batchArb, { maxLength: 3 }),
          (batches, cut, after) => {
            const { store, db } = make()
            const tree = new SparseMerkleTree(store)
            const versions = batches.map((_, i) => BigInt(10 + 2 * i))
            batches.forEach((ops, i) => {
              tree.applyBatch(versions[i]!, toUpdates(ops))
            })
            const keep = cut % batches.length
            const target = versions[keep]!
            tree.rollbackTo(target)

            const { store: freshStore, db: freshDb } = make()
            const fresh = new SparseMerkleTree(freshStore)
            for (let i = 0; i <= keep; i++) fresh.applyBatch(versions[i]!, toUpdates(batches[i]!))
            expect(tree.latestVersion()).toBe(target)
            expect(tree.root()).toBe(fresh.root())
            expect(tree.leafCount()).toBe(fresh.leafCount())
            // exact: no row of a dropped version is left behind
            expect(store.nodeCount()).toBe(freshStore.nodeCount())
            for (let i = 0; i <= keep; i++) expectSame(tree, fresh, versions[i]!)
            for (let i = keep + 1; i < batches.length; i++)
              expect(() => tree.rootAt(versions[i]!)).toThrow(VersionNotFoundError)

            // the dropped version numbers can be applied again, with other contents
            const model = new Map<string, { key: Uint8Array; value: Uint8Array }>()
            for (const k of pool) {
              const v = fresh.get(k)
              if (v) setModel(model, k, v)
            }
            after.forEach((ops, i) => {
              const v = target + 1n + BigInt(i)
              const updates = toUpdates(ops)
              for (const u of updates)
                setModel(model, u.key as Uint8Array, u.value as Uint8Array | null)
              const root = tree.applyBatch(v, updates)
              expect(root).toBe(fresh.applyBatch(v, updates))
              expect(root).toBe(toHex(referenceRoot(modelLeaves(model))))
              expectSame(tree, fresh, v)
            })
            expect(store.nodeCount()).toBe(freshStore.nodeCount())
            db?.close()
            freshDb?.close()
          },
        ),
        { numRuns: name === 'sqlite' ? 25 : 60 },
      )
    })

    it('refuses pruned and unknown versions with typed errors', () => {
      const { store, db } = make()
      const tree = new SparseMerkleTree(store)
      for (let v = 1n; v <= 4n; v++)
        tree.applyBatch(v, [{ key: pool[Number(v)]!, value: valuePool[0]! }])
      tree.prune(3n)
      expect(() => tree.rollbackTo(2n)).toThrow(VersionPrunedError)
      expect(() => tree.rollbackTo(9n)).toThrow(VersionNotFoundError)
      const r3 = tree.rootAt(3n)
      tree.rollbackTo(3n)
      expect(tree.root()).toBe(r3)
      expect(tree.latestVersion()).toBe(3n)
      db?.close()
    })
  })
}

describe('rollbackTo on SQLite files', () => {
  it("joins the caller's transaction, and a reopened file keeps the rollback", () => {
    const file = tmp.file('rb-reopen.db')
    let db = openDatabase(file)
    let tree = new SparseMerkleTree(new SqliteNodeStore(db))
    const roots: string[] = []
    for (let v = 0; v < 6; v++)
      roots.push(
        tree.applyBatch(
          BigInt(v),
          toUpdates([
            { k: v, v: v % 4 },
            { k: v + 7, v: -1 },
          ]),
        ),
      )
    // aborted: nothing changes, not even the cached latest version
    expect(() =>
      db.transaction(() => {
        tree.rollbackTo(2n)
        tree.applyBatch(3n, [{ key: pool[20]!, value: valuePool[1]! }])
        throw new Error('abort')
      })(),
    ).toThrow('abort')
    expect(tree.latestVersion()).toBe(5n)
    expect(tree.root()).toBe(roots[5])
    expect(tree.get(pool[20]!)).toBeNull()
    db.transaction(() => tree.rollbackTo(2n))()
    expect(tree.root()).toBe(roots[2])
    db.close()
    db = openDatabase(file)
    tree = new SparseMerkleTree(new SqliteNodeStore(db))
    expect(tree.latestVersion()).toBe(2n)
    expect(tree.root()).toBe(roots[2])
    expect(() => tree.rootAt(3n)).toThrow(VersionNotFoundError)
    expect(
      tree.applyBatch(
        3n,
        toUpdates([
          { k: 3, v: 3 },
          { k: 10, v: -1 },
        ]),
      ),
    ).toBe(roots[3])
    db.close()
  })
})

describe('WorldState.rollbackTo', () => {
  const kinds = [
    { name: 'memory', make: () => ({ ws: WorldState.inMemory(), close: () => {} }) },
    {
      name: 'sqlite',
      make: () => {
        const db = openDatabase(tmp.file(`rbws${fileNo++}.db`))
        return { ws: WorldState.sqlite(db), close: () => db.close() }
      },
    },
  ]
  for (const { name, make } of kinds)
    it(`on ${name}: state, history and proofs equal a state that never applied the later diffs`, () => {
      fc.assert(
        fc.property(fc.array(diffArb, { minLength: 1, maxLength: 6 }), fc.nat(), (diffs, cut) => {
          const a = make()
          const b = make()
          const keep = cut % diffs.length
          diffs.forEach((d, i) => {
            a.ws.applyDiff(BigInt(i), d)
            if (i <= keep) b.ws.applyDiff(BigInt(i), d)
          })
          a.ws.rollbackTo(BigInt(keep))
          expect(a.ws.root()).toBe(b.ws.root())
          for (let v = 0n; v <= BigInt(keep); v++) {
            const ra = a.ws.readerAt(v)
            const rb = b.ws.readerAt(v)
            for (const addr of addrs) {
              expect(ra.getAccount(addr)).toEqual(rb.getAccount(addr))
              expect(a.ws.proveAccount(addr, v).encoded).toBe(b.ws.proveAccount(addr, v).encoded)
              for (const s of slots) expect(ra.getStorage(addr, s)).toBe(rb.getStorage(addr, s))
            }
          }
          for (const addr of addrs as Address[]) {
            expect(a.ws.getAccount(addr)).toEqual(b.ws.getAccount(addr))
            for (const s of slots) expect(a.ws.getStorage(addr, s)).toBe(b.ws.getStorage(addr, s))
          }
          // and the next diff lands on the same root
          const next = diffs[(keep + 1) % diffs.length]!
          expect(a.ws.applyDiff(BigInt(keep + 1), next)).toBe(
            b.ws.applyDiff(BigInt(keep + 1), next),
          )
          a.close()
          b.close()
        }),
        { numRuns: name === 'sqlite' ? 20 : 50 },
      )
    })
})
