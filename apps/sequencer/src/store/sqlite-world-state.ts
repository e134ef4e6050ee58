import {
  type Account,
  type Address,
  bytesToBigint,
  EMPTY_CODE_HASH,
  equalBytes,
  fromHex,
  type Hex,
  keccak256,
  type StateDiff,
  type StateReader,
  toHex,
} from '@lanes/core'
import {
  accountKey,
  accountValue,
  clearDeletedStorage,
  encodeProof,
  type LeafUpdate,
  SparseMerkleTree,
  SqliteNodeStore,
  storageKey,
  storageValue,
  verifyProof,
} from '@lanes/state-tree'
import type { SqliteDatabase } from './store.js'
import type { LeafProof, WorldStatePort } from './world-state.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ws_account (
  address BLOB NOT NULL, version INTEGER NOT NULL, account BLOB,
  PRIMARY KEY (address, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_storage (
  address BLOB NOT NULL, slot BLOB NOT NULL, version INTEGER NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (address, slot, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ws_code (hash BLOB PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
`

const view = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength)

/** addresses whose bytes and leaf keys are kept (about 10 MB when full) */
const KEY_CACHE_SIZE = 50_000

const EMPTY_CODE = Buffer.from(EMPTY_CODE_HASH.slice(2), 'hex')

/**
 * nonce32 ‖ balance32 ‖ codeHash: the flat row, and also the preimage of the account's leaf
 * value (@lanes/state-tree accountValue), so one encoding serves both.
 */
function encodeAccount(a: Account): Buffer {
  const out = Buffer.allocUnsafe(96)
  writeWord(out, 0, a.nonce)
  writeWord(out, 32, a.balance)
  if (a.codeHash === EMPTY_CODE_HASH) EMPTY_CODE.copy(out, 64)
  else if (a.codeHash.length !== 66 || out.write(a.codeHash.slice(2), 64, 32, 'hex') !== 32)
    throw new TypeError(`bad code hash ${a.codeHash}`)
  return out
}

/**
 * a uint256 as 32 big-endian bytes at `off`, 64 bits at a time: no hex round trip (balances
 * are above 2^64 as soon as an account holds 19 ETH)
 */
function writeWord(out: Buffer, off: number, v: bigint): void {
  if (v < 0n) throw new RangeError('negative value')
  if (v < 0x10000000000000000n) {
    out.fill(0, off, off + 24)
    out.writeBigUInt64BE(v, off + 24)
    return
  }
  let rest = v
  for (let at = off + 24; at >= off; at -= 8) {
    out.writeBigUInt64BE(BigInt.asUintN(64, rest), at)
    rest >>= 64n
  }
  if (rest !== 0n) throw new RangeError('value does not fit in 32 bytes')
}

/** bytes of an address, slot or hash as a view into Node's pool: keys for one statement */
function key(hex: Hex): Buffer {
  const b = Buffer.from(hex.slice(2), 'hex')
  if (b.length * 2 !== hex.length - 2) throw new TypeError(`bad hex key ${hex}`)
  return b
}

function decodeAccount(b: Uint8Array): Account {
  return {
    nonce: bytesToBigint(b.subarray(0, 32)),
    balance: bytesToBigint(b.subarray(32, 64)),
    codeHash: toHex(b.subarray(64, 96)),
  }
}

/**
 * The state on the sequencer's SQLite connection: the Lanes sparse Merkle tree
 * (@lanes/state-tree SparseMerkleTree over SqliteNodeStore) for roots and proofs, plus flat
 * versioned rows (address/slot → value as of version) for reads at any retained block.
 * Everything a version writes joins the caller's open transaction.
 *
 * Stand-in until @lanes/state-tree ships its WorldState; it implements the same port.
 */
export class SqliteWorldState implements WorldStatePort {
  readonly tree: SparseMerkleTree
  readonly #q: ReturnType<SqliteWorldState['prepare']>
  readonly #db: SqliteDatabase
  /** latest-version account cache (the executor and the pool read the head state most) */
  readonly #latest = new Map<Address, Account | null>()
  /** the tree's latest version as of the last applyDiff / reset */
  #version: bigint | undefined
  /**
   * address bytes and leaf key (keccak of the address) per address: the same senders change in
   * block after block. Cleared when full, so it stays bounded whatever the number of accounts.
   */
  readonly #keys = new Map<Address, { bytes: Buffer; leaf: Uint8Array }>()

  #keyOf(address: Address): { bytes: Buffer; leaf: Uint8Array } {
    let k = this.#keys.get(address)
    if (!k) {
      // key() first: a malformed address fails as it did when the row was written first
      const pooled = key(address)
      const leafKey = accountKey(address)
      if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.clear()
      // memory of its own (a view into Node's buffer pool would pin an 8 KiB slab per entry)
      const own = Buffer.alloc(pooled.length + 32)
      pooled.copy(own, 0)
      own.set(leafKey, pooled.length)
      k = { bytes: own.subarray(0, pooled.length), leaf: own.subarray(pooled.length) }
      this.#keys.set(address, k)
    }
    return k
  }

  constructor(db: SqliteDatabase) {
    this.#db = db
    db.exec(SCHEMA)
    this.tree = new SparseMerkleTree(new SqliteNodeStore(db))
    this.#q = this.prepare()
    this.#version = this.tree.latestVersion()
  }

  /** Re-reads the version from disk (after the caller's transaction rolled back). */
  reset(): void {
    this.#latest.clear()
    this.#version = this.tree.latestVersion()
  }

  private prepare() {
    const db = this.#db
    return {
      account: db.prepare<[Buffer, number], { account: Buffer | null }>(
        'SELECT account FROM ws_account WHERE address = ? AND version <= ? ORDER BY version DESC LIMIT 1',
      ),
      storage: db.prepare<[Buffer, Buffer, number], { value: Buffer }>(
        'SELECT value FROM ws_storage WHERE address = ? AND slot = ? AND version <= ? ORDER BY version DESC LIMIT 1',
      ),
      code: db.prepare<[Buffer], { code: Buffer }>('SELECT code FROM ws_code WHERE hash = ?'),
      putAccount: db.prepare<[Buffer, number, Buffer | null]>(
        'INSERT OR REPLACE INTO ws_account (address, version, account) VALUES (?, ?, ?)',
      ),
      putStorage: db.prepare<[Buffer, Buffer, number, Buffer]>(
        'INSERT OR REPLACE INTO ws_storage (address, slot, version, value) VALUES (?, ?, ?, ?)',
      ),
      slotsOf: db.prepare<[Buffer], { slot: Buffer }>(
        'SELECT DISTINCT slot FROM ws_storage WHERE address = ?',
      ),
      putCode: db.prepare<[Buffer, Buffer]>(
        'INSERT OR IGNORE INTO ws_code (hash, code) VALUES (?, ?)',
      ),
      latestAccounts: db.prepare<[], { address: Buffer; account: Buffer | null }>(
        `SELECT a.address, a.account FROM ws_account a
         WHERE a.version = (SELECT max(version) FROM ws_account b WHERE b.address = a.address)`,
      ),
      latestStorage: db.prepare<[], { address: Buffer; slot: Buffer; value: Buffer }>(
        `SELECT s.address, s.slot, s.value FROM ws_storage s
         WHERE s.version = (SELECT max(version) FROM ws_storage t
                            WHERE t.address = s.address AND t.slot = s.slot)`,
      ),
    }
  }

  latestVersion(): bigint | undefined {
    return this.#version
  }

  applyDiff(version: bigint, input: StateDiff): Hex {
    const v = Number(version)
    // a deleted account loses its storage too, exactly as @lanes/state-tree's WorldState (the
    // prover's) does it, or the two roots would part
    const diff = clearDeletedStorage(input, (address) =>
      this.#q.slotsOf.all(view(fromHex(address))).map((r) => toHex(r.slot)),
    )
    const updates: LeafUpdate[] = []
    for (const [hash, code] of diff.code) this.#q.putCode.run(view(fromHex(hash)), view(code))
    // the latest-version cache moves to this version: the diff holds every account it changed
    let mixedCase = false
    for (const [address, account] of diff.accounts) {
      const k = this.#keyOf(address)
      const row = account ? encodeAccount(account) : null
      // one row per statement: 64-row INSERTs measured slower on this table (the seal-storage
      // micro bench, 1000 accounts per block: applyDiff about 3 us per account more)
      this.#q.putAccount.run(k.bytes, v, row)
      // the row is the leaf value's preimage (accountValue would encode it a second time)
      updates.push({ key: k.leaf, value: row ? keccak256(row) : null })
      if (address === address.toLowerCase()) this.#latest.set(address, account ?? null)
      else mixedCase = true
    }
    // a read under another spelling of a changed address could hit a stale entry
    if (mixedCase) this.#latest.clear()
    for (const [address, slots] of diff.storage) {
      const a = key(address)
      for (const [slot, value] of slots) {
        const word = storageValue(value)
        this.#q.putStorage.run(a, key(slot), v, word ? view(word) : Buffer.alloc(0))
        updates.push({ key: storageKey(address, slot), value: word })
      }
    }
    const root = this.tree.applyBatch(version, updates)
    this.#version = version
    return root
  }

  rootAt(version: bigint): Hex {
    return this.tree.rootAt(version)
  }

  /** Rehashes every latest leaf from the flat rows into a fresh in-memory tree. */
  recomputeRoot(): Hex {
    return SparseMerkleTree.inMemory().applyBatch(0n, this.#latestLeaves())
  }

  /**
   * Proves every current leaf from the stored tree nodes and verifies it against the stored
   * root: a corrupted node row is a sibling on some leaf's path, so its proof fails.
   * Returns the first leaf key whose proof does not verify, or undefined.
   */
  verifyTreeNodes(version: bigint): Hex | undefined {
    const root = this.tree.rootAt(version)
    for (const { key, value } of this.#latestLeaves()) {
      try {
        // proofs take sibling hashes from parents; a leaf's own row is checked by reading it
        const stored = this.tree.get(key, version)
        if (!stored || !equalBytes(stored, value)) return toHex(key)
        if (!verifyProof(root, key, value, this.tree.prove(key, version)).ok) return toHex(key)
      } catch {
        return toHex(key)
      }
    }
    return undefined
  }

  #latestLeaves(): Array<LeafUpdate & { key: Uint8Array; value: Uint8Array }> {
    const updates: Array<LeafUpdate & { key: Uint8Array; value: Uint8Array }> = []
    for (const r of this.#q.latestAccounts.iterate()) {
      if (!r.account) continue
      updates.push({
        key: accountKey(toHex(r.address) as Address),
        value: accountValue(decodeAccount(r.account)),
      })
    }
    for (const r of this.#q.latestStorage.iterate()) {
      if (r.value.length === 0) continue
      updates.push({
        key: storageKey(toHex(r.address) as Address, toHex(r.slot)),
        value: new Uint8Array(r.value),
      })
    }
    return updates
  }

  #account(address: Address, version: number): Account | undefined {
    const latest = this.#version
    const cacheable = latest !== undefined && BigInt(version) >= latest
    if (cacheable) {
      const hit = this.#latest.get(address)
      if (hit !== undefined) return hit ?? undefined
    }
    const row = this.#q.account.get(key(address), version)
    const acct = row?.account ? decodeAccount(row.account) : undefined
    if (cacheable) this.#latest.set(address, acct ?? null)
    return acct
  }

  readerAt(version: bigint): StateReader {
    const v = Number(version)
    return {
      getAccount: (address) => this.#account(address, v),
      getStorage: (address, slot) => {
        const row = this.#q.storage.get(view(fromHex(address)), view(fromHex(slot)), v)
        return row && row.value.length > 0 ? bytesToBigint(row.value) : 0n
      },
      getCode: (hash) => {
        const row = this.#q.code.get(view(fromHex(hash)))
        return row ? new Uint8Array(row.code) : undefined
      },
    }
  }

  proveAccount(address: Address, version: bigint): LeafProof {
    const acct = this.#account(address, Number(version))
    return {
      proof: encodeProof(this.tree.prove(accountKey(address), version)),
      value: acct ? accountValue(acct) : null,
    }
  }

  proveStorage(address: Address, slot: Hex, version: bigint): LeafProof {
    const value = this.readerAt(version).getStorage(address, slot)
    return {
      proof: encodeProof(this.tree.prove(storageKey(address, slot), version)),
      value: storageValue(value),
    }
  }
}
