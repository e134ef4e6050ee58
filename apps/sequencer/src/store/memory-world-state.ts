import {
  type Account,
  type Address,
  type Hex,
  type StateDiff,
  type StateReader,
  toHex,
} from '@lanes/core'
import {
  accountKey,
  accountValue,
  encodeProof,
  type Leaf,
  referenceProof,
  referenceRoot,
  storageKey,
  storageValue,
} from '@lanes/state-tree'
import type { LeafProof, WorldStatePort } from './world-state.js'

type Snapshot = {
  accounts: Map<Address, Account>
  storage: Map<string, bigint>
  root: Hex
}

/**
 * WorldStatePort kept in memory with a full copy per version and roots from the state-tree
 * reference implementation. For unit tests only: O(state) per block, nothing on disk.
 */
export class MemoryWorldState implements WorldStatePort {
  readonly #versions = new Map<bigint, Snapshot>()
  readonly #code = new Map<Hex, Uint8Array>()
  #latest: bigint | undefined

  latestVersion(): bigint | undefined {
    return this.#latest
  }

  applyDiff(version: bigint, diff: StateDiff): Hex {
    const prev = this.#latest === undefined ? undefined : this.#versions.get(this.#latest)
    const accounts = new Map(prev?.accounts)
    const storage = new Map(prev?.storage)
    for (const [a, acct] of diff.accounts) {
      if (acct) accounts.set(a, acct)
      else accounts.delete(a)
    }
    for (const [a, slots] of diff.storage)
      for (const [s, v] of slots) {
        if (v === 0n) storage.delete(`${a}:${s}`)
        else storage.set(`${a}:${s}`, v)
      }
    for (const [h, c] of diff.code) this.#code.set(h, c)
    const root = toHex(referenceRoot(leaves(accounts, storage)))
    this.#versions.set(version, { accounts, storage, root })
    this.#latest = version
    return root
  }

  rootAt(version: bigint): Hex {
    const s = this.#versions.get(version)
    if (!s) throw new Error(`no version ${version}`)
    return s.root
  }

  recomputeRoot(): Hex {
    const s = this.#versions.get(this.#latest ?? -1n)
    return s ? toHex(referenceRoot(leaves(s.accounts, s.storage))) : `0x${'00'.repeat(32)}`
  }

  readerAt(version: bigint): StateReader {
    const s = this.#versions.get(version)
    if (!s) throw new Error(`no version ${version}`)
    return {
      getAccount: (a) => s.accounts.get(a),
      getStorage: (a, slot) => s.storage.get(`${a}:${slot}`) ?? 0n,
      getCode: (h) => this.#code.get(h),
    }
  }

  proveAccount(address: Address, version: bigint): LeafProof {
    const s = this.#versions.get(version)!
    const acct = s.accounts.get(address)
    return {
      proof: encodeProof(referenceProof(leaves(s.accounts, s.storage), accountKey(address))),
      value: acct ? accountValue(acct) : null,
    }
  }

  proveStorage(address: Address, slot: Hex, version: bigint): LeafProof {
    const s = this.#versions.get(version)!
    const v = s.storage.get(`${address}:${slot}`) ?? 0n
    return {
      proof: encodeProof(referenceProof(leaves(s.accounts, s.storage), storageKey(address, slot))),
      value: storageValue(v),
    }
  }
}

function leaves(accounts: Map<Address, Account>, storage: Map<string, bigint>): Leaf[] {
  const out: Leaf[] = []
  for (const [a, acct] of accounts) out.push({ key: accountKey(a), value: accountValue(acct) })
  for (const [k, v] of storage) {
    const [a, s] = k.split(':') as [Address, Hex]
    const value = storageValue(v)
    if (value) out.push({ key: storageKey(a, s), value })
  }
  return out
}
