import { type Address, EMPTY_CODE_HASH, emptyStateDiff, type Hex, keccak256Hex } from '@lanes/core'
import { afterAll, describe, expect, it } from 'vitest'
import { storageKey } from './keys.js'
import { openDatabase } from './open-database.js'
import { tempDir } from './test-support.js'
import { verifyProof } from './verify.js'
import { WorldState } from './world-state.js'
import { addrs, slots } from './ws-test-support.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const [contract, other] = addrs as [Address, Address]
const code = keccak256Hex(new Uint8Array([0x60, 0x00]))
const live = { nonce: 1n, balance: 5n, codeHash: code }

const kinds = [
  { name: 'memory', make: () => ({ ws: WorldState.inMemory(), close: () => {} }) },
  {
    name: 'sqlite',
    make: () => {
      const db = openDatabase(tmp.file(`del${Math.random().toString(36).slice(2)}.db`))
      return { ws: WorldState.sqlite(db), close: () => db.close() }
    },
  },
]

for (const { name, make } of kinds)
  describe(`account deletion on ${name}`, () => {
    it("removes the account's storage leaves, even ones the diff does not name", () => {
      const { ws, close } = make()
      const d0 = emptyStateDiff()
      d0.accounts.set(contract, live)
      d0.accounts.set(other, { nonce: 0n, balance: 1n, codeHash: EMPTY_CODE_HASH })
      d0.storage.set(contract, new Map(slots.map((s, i) => [s, BigInt(i + 1)] as [Hex, bigint])))
      d0.storage.set(other, new Map([[slots[0]!, 7n]]))
      ws.applyDiff(0n, d0)

      // the reference: the same state built without the contract ever having storage
      const { ws: ref, close: closeRef } = make()
      const r0 = emptyStateDiff()
      r0.accounts.set(other, { nonce: 0n, balance: 1n, codeHash: EMPTY_CODE_HASH })
      r0.storage.set(other, new Map([[slots[0]!, 7n]]))
      ref.applyDiff(0n, r0)

      // deleted, and the same diff still writes one of its slots (created and destroyed in a tx)
      const d1 = emptyStateDiff()
      d1.accounts.set(contract, null)
      d1.storage.set(contract, new Map([[slots[1]!, 99n]]))
      const root = ws.applyDiff(1n, d1)
      expect(root).toBe(ref.root())
      for (const s of slots) {
        expect(ws.getStorage(contract, s)).toBe(0n)
        const p = ws.proveStorage(contract, s)
        expect(p.leafValue).toBeNull()
        expect(verifyProof(root, storageKey(contract, s), null, p.proof).ok).toBe(true)
        // history keeps the slots of the version before the deletion
        expect(ws.readerAt(0n).getStorage(contract, s)).toBe(BigInt(slots.indexOf(s) + 1))
      }
      expect(ws.getStorage(other, slots[0]!)).toBe(7n)

      // re-created later: starts with empty storage; a rollback to 0 brings the slots back
      const d2 = emptyStateDiff()
      d2.accounts.set(contract, live)
      ws.applyDiff(2n, d2)
      expect(ws.getStorage(contract, slots[0]!)).toBe(0n)
      ws.rollbackTo(0n)
      expect(ws.getStorage(contract, slots[2]!)).toBe(3n)
      const again = emptyStateDiff()
      again.accounts.set(contract, null)
      expect(ws.applyDiff(1n, again)).toBe(ref.root())
      close()
      closeRef()
    })
  })
