import { keccak256, toHex } from '@lanes/core'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from './open-database.js'
import { SqliteNodeStore } from './sqlite-node-store.js'
import { tempDir } from './test-support.js'
import { type LeafUpdate, SparseMerkleTree } from './tree.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const keys = Array.from({ length: 200 }, (_, i) => keccak256(Uint8Array.of(i, 1)))
const batch = (ks: readonly Uint8Array[], tag: number): LeafUpdate[] =>
  ks.map((key, i) => ({ key, value: keccak256(Uint8Array.of(i, tag)) }))

describe('SqliteNodeStore: smt_node_recent and smt_node', () => {
  it('rows a rolled-back move left in smt_node_recent never shadow a version written straight to smt_node', () => {
    const file = tmp.file('moves.db')
    const db = openDatabase(file)
    // 50 rows: a 2-key version stays in the recent table, a 200-key version goes straight on
    const tree = new SparseMerkleTree(new SqliteNodeStore(db, { recentRows: 50 }))
    const ref = SparseMerkleTree.inMemory()
    for (const t of [tree, ref]) {
      t.applyBatch(1n, batch(keys, 1))
      t.applyBatch(2n, batch(keys.slice(0, 2), 2))
    }
    // version 3 moves the recent rows and writes straight to smt_node, then rolls back: the
    // recent table has its rows again, the store's row count in memory does not
    expect(() =>
      db.transaction(() => {
        tree.applyBatch(3n, batch(keys, 3))
        throw new Error('abort')
      })(),
    ).toThrow('abort')
    for (const t of [tree, ref]) t.applyBatch(3n, batch(keys, 4))
    db.close()

    // a fresh tree reads every node of version 3 from the file
    const reopened = new SparseMerkleTree(new SqliteNodeStore(openDatabase(file)))
    expect(reopened.rootAt(3n)).toBe(ref.rootAt(3n))
    for (const k of keys.slice(0, 4)) {
      const got = reopened.get(k, 3n)
      expect(got && toHex(got)).toBe(toHex(ref.get(k, 3n)!))
      expect(reopened.prove(k, 3n)).toEqual(ref.prove(k, 3n))
    }
  })
})
