import { type Account, type Address, EMPTY_CODE_HASH, emptyStateDiff, type Hex } from '@lanes/core'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { VersionPrunedError } from './errors.js'
import { accountKey, accountValue } from './keys.js'
import { openDatabase } from './open-database.js'
import { tempDir } from './test-support.js'
import { verifyProof } from './verify.js'
import { WorldState } from './world-state.js'
import { addrs, diffArb, Model, slots } from './ws-test-support.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const kinds = [
  { name: 'memory', make: () => ({ ws: WorldState.inMemory(), close: () => {} }) },
  {
    name: 'sqlite',
    make: () => {
      const db = openDatabase(tmp.file(`ws${Math.random().toString(36).slice(2)}.db`))
      return { ws: WorldState.sqlite(db), close: () => db.close() }
    },
  },
]

for (const { name, make } of kinds) {
  describe(`WorldState on ${name}`, () => {
    it('diff → root equals the tree built from scratch; history and proofs agree', () => {
      fc.assert(
        fc.property(fc.array(diffArb, { minLength: 1, maxLength: 6 }), (diffs) => {
          const { ws, close } = make()
          const model = new Model()
          const snapshots: {
            accounts: Map<Address, Account>
            storage: Map<string, bigint>
            root: Hex
          }[] = []
          diffs.forEach((diff, i) => {
            model.apply(diff)
            const root = ws.applyDiff(BigInt(i), diff)
            expect(root).toBe(model.root())
            snapshots.push({
              accounts: new Map(model.accounts),
              storage: new Map(model.storage),
              root,
            })
          })
          snapshots.forEach((snap, v) => {
            const r = ws.readerAt(BigInt(v))
            for (const a of addrs) {
              expect(r.getAccount(a)).toEqual(snap.accounts.get(a))
              for (const s of slots)
                expect(r.getStorage(a, s)).toBe(snap.storage.get(`${a}|${s}`) ?? 0n)
              const p = ws.proveAccount(a, BigInt(v))
              expect(p.root).toBe(snap.root)
              expect(p.account).toEqual(snap.accounts.get(a))
              expect(verifyProof(p.root, p.key, p.value, p.proof).ok).toBe(true)
            }
            const sp = ws.proveStorage(addrs[0]!, slots[1]!, BigInt(v))
            expect(sp.value).toBe(snap.storage.get(`${addrs[0]}|${slots[1]}`) ?? 0n)
            expect(verifyProof(sp.root, sp.key, sp.leafValue, sp.proof).ok).toBe(true)
          })
          const last = snapshots[snapshots.length - 1]!
          for (const a of addrs) {
            expect(ws.getAccount(a)).toEqual(last.accounts.get(a))
            const acc = last.accounts.get(a)
            if (acc && acc.codeHash !== EMPTY_CODE_HASH)
              expect(ws.getCode(acc.codeHash)).toBeDefined()
          }
          close()
        }),
        { numRuns: name === 'memory' ? 20 : 6 },
      )
    })
  })
}

describe('WorldState on SQLite files', () => {
  it('reopen gives the same root and state; rollback of the caller transaction undoes all', () => {
    const file = tmp.file('reopen-ws.db')
    let db = openDatabase(file)
    let ws = WorldState.sqlite(db)
    const d0 = emptyStateDiff()
    d0.accounts.set(addrs[0]!, { nonce: 1n, balance: 10n ** 18n, codeHash: EMPTY_CODE_HASH })
    d0.storage.set(addrs[1]!, new Map([[slots[0]!, 42n]]))
    const r0 = ws.applyDiff(0n, d0)
    const d1 = emptyStateDiff()
    d1.accounts.set(addrs[0]!, { nonce: 2n, balance: 5n, codeHash: EMPTY_CODE_HASH })
    const r1 = db.transaction(() => ws.applyDiff(1n, d1))()
    const d2 = emptyStateDiff()
    d2.accounts.set(addrs[2]!, { nonce: 0n, balance: 1n, codeHash: EMPTY_CODE_HASH })
    expect(() =>
      db.transaction(() => {
        ws.applyDiff(2n, d2)
        throw new Error('seal failed')
      })(),
    ).toThrow('seal failed')
    expect(ws.root()).toBe(r1)
    expect(ws.getAccount(addrs[2]!)).toBeUndefined()
    db.close()

    db = openDatabase(file)
    ws = WorldState.sqlite(db)
    expect(ws.latestVersion()).toBe(1n)
    expect(ws.root()).toBe(r1)
    expect(ws.root(0n)).toBe(r0)
    expect(ws.getAccount(addrs[0]!)).toEqual({ nonce: 2n, balance: 5n, codeHash: EMPTY_CODE_HASH })
    expect(ws.readerAt(0n).getAccount(addrs[0]!)?.nonce).toBe(1n)
    expect(ws.getStorage(addrs[1]!, slots[0]!)).toBe(42n)
    const r2 = ws.applyDiff(2n, d2)
    expect(ws.root(2n)).toBe(r2)
    ws.prune(2n)
    expect(() => ws.readerAt(1n)).toThrow(VersionPrunedError)
    expect(ws.readerAt(2n).getAccount(addrs[0]!)?.nonce).toBe(2n)
    expect(ws.readerAt(2n).getStorage(addrs[1]!, slots[0]!)).toBe(42n)
    expect(
      verifyProof(
        r2,
        accountKey(addrs[2]!),
        accountValue({ nonce: 0n, balance: 1n, codeHash: EMPTY_CODE_HASH }),
        ws.proveAccount(addrs[2]!).proof,
      ).ok,
    ).toBe(true)
    db.close()
  })
})
