import { type Account, type Address, EMPTY_CODE_HASH, type Hex, type StateDiff } from '@lanes/core'
import { WorldState } from '@lanes/state-tree'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SqliteWorldState } from './sqlite-world-state.js'

const A = '0x00000000000000000000000000000000000000aa' as Address
const B = '0x00000000000000000000000000000000000000bb' as Address
const slot = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const acct = (balance: bigint): Account => ({ nonce: 1n, balance, codeHash: EMPTY_CODE_HASH })

function diff(
  accounts: [Address, Account | null][],
  storage: [Address, [Hex, bigint][]][] = [],
): StateDiff {
  return {
    accounts: new Map(accounts),
    storage: new Map(storage.map(([a, s]) => [a, new Map(s)])),
    code: new Map(),
  }
}

describe('SqliteWorldState (the sequencer) and WorldState (the prover) agree', () => {
  it('on every root, including an account deleted with storage', () => {
    const seq = new SqliteWorldState(new Database(':memory:'))
    const prover = WorldState.inMemory()
    const steps: StateDiff[] = [
      diff(
        [
          [A, acct(5n)],
          [B, acct(7n)],
        ],
        [
          [
            A,
            [
              [slot(1), 11n],
              [slot(2), 22n],
            ],
          ],
          [B, [[slot(1), 33n]]],
        ],
      ),
      diff([[A, acct(6n)]], [[A, [[slot(3), 44n]]]]),
      // A goes away: its three slots must leave the tree with it, B's stay
      diff([[A, null]]),
      // a new A starts with empty storage
      diff([[A, acct(1n)]], [[A, [[slot(9), 99n]]]]),
    ]
    steps.forEach((d, i) => {
      const v = BigInt(i + 1)
      expect(seq.applyDiff(v, d), `root after step ${i + 1}`).toBe(prover.applyDiff(v, d))
    })
    const head = seq.readerAt(4n)
    expect(head.getStorage(A, slot(1))).toBe(0n)
    expect(head.getStorage(A, slot(9))).toBe(99n)
    expect(head.getStorage(B, slot(1))).toBe(33n)
  })

  it('on blocks of many accounts, with large values and code', () => {
    const seq = new SqliteWorldState(new Database(':memory:'))
    const prover = WorldState.inMemory()
    const addr = (i: number) => `0x${(0x1000 + i).toString(16).padStart(40, '0')}` as Address
    const CODE = `0x${'ab'.repeat(32)}` as Hex
    const big = [0n, 1n, 2n ** 64n - 1n, 2n ** 64n, 10n ** 22n, 2n ** 128n + 5n, 2n ** 256n - 1n]
    for (let v = 1; v <= 3; v++) {
      const accounts: [Address, Account | null][] = []
      // 150 accounts in every block, a few deleted in the last
      for (let i = 0; i < 150; i++) {
        if (v === 3 && i % 7 === 0) {
          accounts.push([addr(i), null])
          continue
        }
        accounts.push([
          addr(i),
          {
            nonce: big[(i + v) % big.length]! % 2n ** 64n,
            balance: big[(i * v) % big.length]!,
            codeHash: i % 5 === 0 ? CODE : EMPTY_CODE_HASH,
          },
        ])
      }
      const d = diff(accounts)
      expect(seq.applyDiff(BigInt(v), d), `root of version ${v}`).toBe(
        prover.applyDiff(BigInt(v), d),
      )
      // the flat rows read back as written (the start-up check rehashes them)
      expect(seq.recomputeRoot()).toBe(seq.rootAt(BigInt(v)))
      const reader = seq.readerAt(BigInt(v))
      for (const [a, account] of accounts)
        expect(reader.getAccount(a)).toEqual(account ?? undefined)
    }
  })

  it('refuses an account that does not fit 32-byte words', () => {
    const seq = new SqliteWorldState(new Database(':memory:'))
    expect(() => seq.applyDiff(1n, diff([[A, acct(2n ** 256n)]]))).toThrow(RangeError)
    expect(() => seq.applyDiff(1n, diff([[A, acct(-1n)]]))).toThrow(RangeError)
  })
})
