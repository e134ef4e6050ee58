import type { Account, Address, Hex, StateDiff } from '@lanes/core'
import type Database from 'better-sqlite3'
import { type FlatState, normAddress, normCodeHash, normSlot } from './flat-state.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ws_account (
  address TEXT PRIMARY KEY, nonce TEXT NOT NULL, balance TEXT NOT NULL, code_hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_storage (
  address TEXT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (address, slot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_code (hash TEXT PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_account_hist (
  address TEXT NOT NULL, version INTEGER NOT NULL, nonce TEXT, balance TEXT, code_hash TEXT,
  PRIMARY KEY (address, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_storage_hist (
  address TEXT NOT NULL, slot TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (address, slot, version)
) WITHOUT ROWID;
`

type AccountRow = { nonce: string | null; balance: string | null; code_hash: string | null }

function toAccount(r: AccountRow | undefined): Account | undefined {
  if (!r || r.nonce === null || r.balance === null || r.code_hash === null) return undefined
  return { nonce: BigInt(r.nonce), balance: BigInt(r.balance), codeHash: r.code_hash as Hex }
}

/**
 * Flat state in SQLite (tables ws_*). `write` never opens a transaction itself: WorldState
 * runs it inside the caller's transaction (or its own) together with the tree.
 */
export class SqliteFlatState implements FlatState {
  private readonly q: {
    acc: Database.Statement<[string], AccountRow>
    accAt: Database.Statement<[string, number], AccountRow>
    sto: Database.Statement<[string, string], { value: string }>
    stoAt: Database.Statement<[string, string, number], { value: string }>
    code: Database.Statement<[string], { code: Buffer }>
    slotsOf: Database.Statement<[string], { slot: string }>
    putAcc: Database.Statement<[string, string, string, string]>
    delAcc: Database.Statement<[string]>
    putAccHist: Database.Statement<[string, number, string | null, string | null, string | null]>
    putSto: Database.Statement<[string, string, string]>
    delSto: Database.Statement<[string, string]>
    putStoHist: Database.Statement<[string, string, number, string]>
    putCode: Database.Statement<[string, Buffer]>
    pruneAcc: Database.Statement<[number, number]>
    pruneSto: Database.Statement<[number, number]>
    accAbove: Database.Statement<[number], { address: string }>
    stoAbove: Database.Statement<[number], { address: string; slot: string }>
    delAccAbove: Database.Statement<[number]>
    delStoAbove: Database.Statement<[number]>
  }

  constructor(db: Database.Database) {
    db.exec(SCHEMA)
    this.q = {
      acc: db.prepare('SELECT nonce, balance, code_hash FROM ws_account WHERE address = ?'),
      accAt: db.prepare(
        'SELECT nonce, balance, code_hash FROM ws_account_hist WHERE address = ? AND version <= ? ORDER BY version DESC LIMIT 1',
      ),
      sto: db.prepare('SELECT value FROM ws_storage WHERE address = ? AND slot = ?'),
      stoAt: db.prepare(
        'SELECT value FROM ws_storage_hist WHERE address = ? AND slot = ? AND version <= ? ORDER BY version DESC LIMIT 1',
      ),
      code: db.prepare('SELECT code FROM ws_code WHERE hash = ?'),
      // ws_storage's primary key (address, slot) is the index of an account's storage keys
      slotsOf: db.prepare('SELECT slot FROM ws_storage WHERE address = ?'),
      putAcc: db.prepare(
        'INSERT INTO ws_account (address, nonce, balance, code_hash) VALUES (?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET nonce = excluded.nonce, balance = excluded.balance, code_hash = excluded.code_hash',
      ),
      delAcc: db.prepare('DELETE FROM ws_account WHERE address = ?'),
      putAccHist: db.prepare(
        'INSERT OR REPLACE INTO ws_account_hist (address, version, nonce, balance, code_hash) VALUES (?, ?, ?, ?, ?)',
      ),
      putSto: db.prepare(
        'INSERT INTO ws_storage (address, slot, value) VALUES (?, ?, ?) ON CONFLICT (address, slot) DO UPDATE SET value = excluded.value',
      ),
      delSto: db.prepare('DELETE FROM ws_storage WHERE address = ? AND slot = ?'),
      putStoHist: db.prepare(
        'INSERT OR REPLACE INTO ws_storage_hist (address, slot, version, value) VALUES (?, ?, ?, ?)',
      ),
      putCode: db.prepare('INSERT OR IGNORE INTO ws_code (hash, code) VALUES (?, ?)'),
      pruneAcc: db.prepare(
        'DELETE FROM ws_account_hist AS h WHERE h.version < ? AND EXISTS (SELECT 1 FROM ws_account_hist AS n WHERE n.address = h.address AND n.version > h.version AND n.version <= ?)',
      ),
      pruneSto: db.prepare(
        'DELETE FROM ws_storage_hist AS h WHERE h.version < ? AND EXISTS (SELECT 1 FROM ws_storage_hist AS n WHERE n.address = h.address AND n.slot = h.slot AND n.version > h.version AND n.version <= ?)',
      ),
      // rollbacks are rare (L1 reorgs): a scan of the history tables beats an index on version
      accAbove: db.prepare('SELECT DISTINCT address FROM ws_account_hist WHERE version > ?'),
      stoAbove: db.prepare('SELECT DISTINCT address, slot FROM ws_storage_hist WHERE version > ?'),
      delAccAbove: db.prepare('DELETE FROM ws_account_hist WHERE version > ?'),
      delStoAbove: db.prepare('DELETE FROM ws_storage_hist WHERE version > ?'),
    }
  }

  getAccount(address: Address, version?: number): Account | undefined {
    const a = normAddress(address)
    return toAccount(version === undefined ? this.q.acc.get(a) : this.q.accAt.get(a, version))
  }

  getStorage(address: Address, slot: Hex, version?: number): bigint {
    const a = normAddress(address)
    const s = normSlot(slot)
    const r = version === undefined ? this.q.sto.get(a, s) : this.q.stoAt.get(a, s, version)
    return r ? BigInt(r.value) : 0n
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    const r = this.q.code.get(normCodeHash(codeHash))
    return r ? new Uint8Array(r.code) : undefined
  }

  storageSlots(address: Address): Hex[] {
    return this.q.slotsOf.all(normAddress(address)).map((r) => r.slot as Hex)
  }

  write(version: number, diff: StateDiff): void {
    const q = this.q
    for (const [address, account] of diff.accounts) {
      const a = normAddress(address)
      if (account) {
        const n = account.nonce.toString()
        const b = account.balance.toString()
        const c = normCodeHash(account.codeHash)
        q.putAcc.run(a, n, b, c)
        q.putAccHist.run(a, version, n, b, c)
      } else {
        q.delAcc.run(a)
        q.putAccHist.run(a, version, null, null, null)
      }
    }
    for (const [address, slots] of diff.storage) {
      const a = normAddress(address)
      for (const [slot, value] of slots) {
        const s = normSlot(slot)
        const v = value.toString()
        if (value === 0n) q.delSto.run(a, s)
        else q.putSto.run(a, s, v)
        q.putStoHist.run(a, s, version, v)
      }
    }
    for (const [hash, code] of diff.code)
      q.putCode.run(normCodeHash(hash), Buffer.from(code.buffer, code.byteOffset, code.byteLength))
  }

  rollback(version: number): void {
    const q = this.q
    const accounts = q.accAbove.all(version)
    const slots = q.stoAbove.all(version)
    q.delAccAbove.run(version)
    q.delStoAbove.run(version)
    for (const { address } of accounts) {
      const r = toAccount(q.accAt.get(address, version))
      if (r) q.putAcc.run(address, r.nonce.toString(), r.balance.toString(), r.codeHash)
      else q.delAcc.run(address)
    }
    for (const { address, slot } of slots) {
      const value = q.stoAt.get(address, slot, version)?.value ?? '0'
      if (value === '0') q.delSto.run(address, slot)
      else q.putSto.run(address, slot, value)
    }
  }

  prune(keepFrom: number): void {
    this.q.pruneAcc.run(keepFrom, keepFrom)
    this.q.pruneSto.run(keepFrom, keepFrom)
  }
}
