import type { Account, Address, Hex } from '@lanes/core'
import type { TxState } from './tx-state.js'

/** What one tx wrote: the unit that moves between threads and into the block state. */
export type WriteSet = {
  accounts: Map<Address, Account | null>
  storage: Map<Address, Map<Hex, bigint>>
  cleared: Address[]
  codes: Map<Hex, Uint8Array>
}

/** The first value of every key a tx read: validated against the committed state. */
export type ReadSet = {
  accounts: Map<Address, Account | undefined>
  storage: Map<Address, Map<Hex, bigint>>
}

export type FeeDeltas = { base: bigint; priority: bigint; l1: bigint }

export const EMPTY_WRITES: WriteSet = {
  accounts: new Map(),
  storage: new Map(),
  cleared: [],
  codes: new Map(),
}

/**
 * The tx's writes, without those that leave a key at the value the tx first read (the EVM
 * re-puts every account a call touches: an ERC20 transfer "writes" the token account).
 * Such a write changes nothing, and dropping it keeps one popular contract from becoming a
 * key every tx writes in multi-version memory. Validation is unaffected: it checks reads.
 */
export function snapshotWrites(ts: TxState): WriteSet {
  const accounts = new Map<Address, Account | null>()
  for (const [a, v] of ts.accounts) {
    const before = ts.accountReads.get(a)
    if (v !== null && before !== undefined && sameAccount(v, before)) continue
    accounts.set(a, v)
  }
  const storage = new Map<Address, Map<Hex, bigint>>()
  for (const [a, m] of ts.storage) {
    if (m.size === 0) continue
    const reads = ts.cleared.has(a) ? undefined : ts.storageReads.get(a)
    let out: Map<Hex, bigint> | undefined
    for (const [k, v] of m) {
      if (reads !== undefined && reads.get(k) === v) continue
      out ??= new Map()
      out.set(k, v)
    }
    if (out !== undefined) storage.set(a, out)
  }
  return {
    accounts,
    storage,
    cleared: [...ts.cleared],
    codes: new Map(ts.codes),
  }
}

function sameAccount(a: Account, b: Account): boolean {
  return a.nonce === b.nonce && a.balance === b.balance && a.codeHash === b.codeHash
}

export function snapshotReads(ts: TxState): ReadSet {
  const storage = new Map<Address, Map<Hex, bigint>>()
  for (const [a, m] of ts.storageReads) storage.set(a, new Map(m))
  return { accounts: new Map(ts.accountReads), storage }
}
