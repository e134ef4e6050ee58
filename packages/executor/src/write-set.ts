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

export function snapshotWrites(ts: TxState): WriteSet {
  const storage = new Map<Address, Map<Hex, bigint>>()
  for (const [a, m] of ts.storage) if (m.size > 0) storage.set(a, new Map(m))
  return {
    accounts: new Map(ts.accounts),
    storage,
    cleared: [...ts.cleared],
    codes: new Map(ts.codes),
  }
}

export function snapshotReads(ts: TxState): ReadSet {
  const storage = new Map<Address, Map<Hex, bigint>>()
  for (const [a, m] of ts.storageReads) storage.set(a, new Map(m))
  return { accounts: new Map(ts.accountReads), storage }
}
