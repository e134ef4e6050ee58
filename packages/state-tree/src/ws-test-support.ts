import {
  type Account,
  type Address,
  EMPTY_CODE_HASH,
  emptyStateDiff,
  type Hex,
  keccak256Hex,
  type StateDiff,
  toHex,
} from '@lanes/core'
import fc from 'fast-check'
import { accountKey, accountValue, storageKey, storageValue } from './keys.js'
import { referenceRoot } from './reference.js'

export const addrs: Address[] = Array.from(
  { length: 6 },
  (_, i) => `0x${(i + 1).toString(16).padStart(2, '0').repeat(20)}` as Address,
)
export const slots: Hex[] = [0n, 1n, 2n ** 200n].map(
  (s) => `0x${s.toString(16).padStart(64, '0')}` as Hex,
)

/** A model of the full state, to recompute the root from scratch. */
export class Model {
  accounts = new Map<Address, Account>()
  storage = new Map<string, bigint>()
  apply(diff: StateDiff): void {
    for (const [a, acc] of diff.accounts) {
      if (acc) this.accounts.set(a, acc)
      else this.accounts.delete(a)
    }
    for (const [a, m] of diff.storage)
      for (const [s, v] of m) {
        if (v === 0n) this.storage.delete(`${a}|${s}`)
        else this.storage.set(`${a}|${s}`, v)
      }
    // a deleted account has no storage left
    for (const [a, acc] of diff.accounts)
      if (!acc)
        for (const k of this.storage.keys()) if (k.startsWith(`${a}|`)) this.storage.delete(k)
  }
  root(): Hex {
    const leaves = [...this.accounts].map(([a, acc]) => ({
      key: accountKey(a),
      value: accountValue(acc),
    }))
    for (const [k, v] of this.storage) {
      const [a, s] = k.split('|') as [Address, Hex]
      leaves.push({ key: storageKey(a, s), value: storageValue(v)! })
    }
    return toHex(referenceRoot(leaves))
  }
}

export const diffArb = fc
  .record({
    accounts: fc.array(
      fc.record({
        a: fc.nat(addrs.length - 1),
        del: fc.boolean(),
        nonce: fc.bigInt({ min: 0n, max: 5n }),
        balance: fc.bigInt({ min: 0n, max: 2n ** 100n }),
        code: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    storage: fc.array(
      fc.record({
        a: fc.nat(addrs.length - 1),
        s: fc.nat(slots.length - 1),
        v: fc.bigInt({ min: 0n, max: 3n }),
      }),
      { maxLength: 5 },
    ),
  })
  .map(({ accounts, storage }) => {
    const diff = emptyStateDiff()
    for (const x of accounts) {
      const codeHash = x.code ? keccak256Hex(new Uint8Array([x.a])) : EMPTY_CODE_HASH
      diff.accounts.set(
        addrs[x.a]!,
        x.del ? null : { nonce: x.nonce, balance: x.balance, codeHash },
      )
      if (x.code && !x.del) diff.code.set(codeHash, new Uint8Array([0x60, x.a]))
    }
    for (const x of storage) {
      const a = addrs[x.a]!
      let m = diff.storage.get(a)
      if (!m) {
        m = new Map()
        diff.storage.set(a, m)
      }
      m.set(slots[x.s]!, x.v)
    }
    return diff
  })
