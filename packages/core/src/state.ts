import type { Address, Hex } from './hex.js'

/** An account leaf. Storage lives in its own leaves, so there is no storage root here. */
export interface Account {
  nonce: bigint
  balance: bigint
  codeHash: Hex
}

/**
 * Read-only view of L2 state at one point (a block). The executor sees only this,
 * never SQLite. Reads are synchronous: state lives in memory or in better-sqlite3.
 * Addresses and slots are lowercase 0x-hex (slots 32 bytes, zero-padded).
 */
export interface StateReader {
  getAccount(address: Address): Account | undefined
  getStorage(address: Address, slot: Hex): bigint
  getCode(codeHash: Hex): Uint8Array | undefined
}

/**
 * What a block changed. `accounts` value null = account deleted (SELFDESTRUCT in
 * the same tx as creation, or EIP-161 touched-empty). Storage value 0n = slot cleared.
 * Every key is present at most once; this is applied as one batch.
 */
export interface StateDiff {
  accounts: Map<Address, Account | null>
  storage: Map<Address, Map<Hex, bigint>>
  code: Map<Hex, Uint8Array>
}

export function emptyStateDiff(): StateDiff {
  return { accounts: new Map(), storage: new Map(), code: new Map() }
}
