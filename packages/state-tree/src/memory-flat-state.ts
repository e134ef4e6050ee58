import type { Account, Address, Hex, StateDiff } from '@lanes/core'
import { type FlatState, normAddress, normCodeHash, normSlot } from './flat-state.js'

interface History<T> {
  versions: number[]
  values: T[]
}

function at<T>(h: History<T> | undefined, version: number): T | undefined {
  if (!h) return undefined
  for (let i = h.versions.length - 1; i >= 0; i--) if (h.versions[i]! <= version) return h.values[i]
  return undefined
}

function push<T>(map: Map<string, History<T>>, key: string, version: number, value: T): void {
  let h = map.get(key)
  if (!h) {
    h = { versions: [], values: [] }
    map.set(key, h)
  }
  h.versions.push(version)
  h.values.push(value)
}

function pruneHistory<T>(map: Map<string, History<T>>, keepFrom: number): void {
  for (const h of map.values()) {
    // keep the newest row at or below keepFrom and everything after it
    let cut = 0
    while (cut + 1 < h.versions.length && h.versions[cut + 1]! <= keepFrom) cut++
    if (cut > 0) {
      h.versions.splice(0, cut)
      h.values.splice(0, cut)
    }
  }
}

/** Drop entries after `version`; calls `latest` with each touched key's value at `version`. */
function rollbackHistory<T>(
  map: Map<string, History<T>>,
  version: number,
  latest: (key: string, value: T | undefined) => void,
): void {
  for (const [key, h] of map) {
    let n = h.versions.length
    if (n === 0 || h.versions[n - 1]! <= version) continue
    while (n > 0 && h.versions[n - 1]! > version) n--
    h.versions.length = n
    h.values.length = n
    latest(key, n > 0 ? h.values[n - 1] : undefined)
    if (n === 0) map.delete(key)
  }
}

export class MemoryFlatState implements FlatState {
  private readonly accounts = new Map<string, Account>()
  private readonly storage = new Map<string, bigint>()
  /** address → its slots with a non-zero latest value (deleting an account clears them) */
  private readonly slotsOf = new Map<string, Set<Hex>>()
  private readonly code = new Map<string, Uint8Array>()
  private readonly accountHist = new Map<string, History<Account | null>>()
  private readonly storageHist = new Map<string, History<bigint>>()

  getAccount(address: Address, version?: number): Account | undefined {
    const a = normAddress(address)
    if (version === undefined) return this.accounts.get(a)
    return at(this.accountHist.get(a), version) ?? undefined
  }

  getStorage(address: Address, slot: Hex, version?: number): bigint {
    const k = `${normAddress(address)}${normSlot(slot).slice(2)}`
    if (version === undefined) return this.storage.get(k) ?? 0n
    return at(this.storageHist.get(k), version) ?? 0n
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    return this.code.get(normCodeHash(codeHash))
  }

  storageSlots(address: Address): Hex[] {
    return [...(this.slotsOf.get(normAddress(address)) ?? [])]
  }

  private setSlot(key: string, value: bigint | undefined): void {
    const a = key.slice(0, 42)
    const slot = `0x${key.slice(42)}` as Hex
    let set = this.slotsOf.get(a)
    if (value) {
      this.storage.set(key, value)
      if (!set) {
        set = new Set()
        this.slotsOf.set(a, set)
      }
      set.add(slot)
    } else {
      this.storage.delete(key)
      set?.delete(slot)
      if (set?.size === 0) this.slotsOf.delete(a)
    }
  }

  write(version: number, diff: StateDiff): void {
    for (const [address, account] of diff.accounts) {
      const a = normAddress(address)
      if (account) {
        const copy = {
          nonce: account.nonce,
          balance: account.balance,
          codeHash: normCodeHash(account.codeHash),
        }
        this.accounts.set(a, copy)
        push(this.accountHist, a, version, copy)
      } else {
        this.accounts.delete(a)
        push(this.accountHist, a, version, null)
      }
    }
    for (const [address, slots] of diff.storage) {
      const a = normAddress(address)
      for (const [slot, value] of slots) {
        const k = `${a}${normSlot(slot).slice(2)}`
        this.setSlot(k, value)
        push(this.storageHist, k, version, value)
      }
    }
    for (const [hash, code] of diff.code) this.code.set(normCodeHash(hash), code.slice())
  }

  rollback(version: number): void {
    rollbackHistory(this.accountHist, version, (a, v) => {
      if (v) this.accounts.set(a, v)
      else this.accounts.delete(a)
    })
    rollbackHistory(this.storageHist, version, (k, v) => this.setSlot(k, v))
  }

  prune(keepFrom: number): void {
    pruneHistory(this.accountHist, keepFrom)
    pruneHistory(this.storageHist, keepFrom)
  }
}
