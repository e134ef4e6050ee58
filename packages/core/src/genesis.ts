import { LanesError } from './errors.js'
import type { Address, Hex } from './hex.js'
import { bigintToBytes32, fromHex, toHex } from './hex.js'
import { EMPTY_CODE_HASH, keccak256Hex } from './keccak.js'
import { type Account, emptyStateDiff, type StateDiff } from './state.js'

/**
 * The genesis file (JSON). Quantities may be JSON numbers (when safe integers), decimal
 * strings or 0x-hex strings, so it can be written by hand or generated.
 *
 * ```json
 * {
 *   "chainId": 42069,
 *   "timestamp": 1700000000,
 *   "gasLimit": "30000000",
 *   "blockTimeMs": 250,
 *   "minBaseFee": "1000000",
 *   "feeVaults": { "baseFee": "0x…", "priorityFee": "0x…", "l1Fee": "0x…" },
 *   "predeploys": { "withdrawalStore": "0x…" },
 *   "alloc": { "0xf39f…2266": { "balance": "0x21e19e0c9bab2400000" } }
 * }
 * ```
 */
export type GenesisJson = {
  chainId: number | string
  timestamp: number | string
  gasLimit: number | string
  blockTimeMs: number | string
  minBaseFee: number | string
  feeVaults: { baseFee: string; priorityFee: string; l1Fee: string }
  predeploys?: { withdrawalStore?: string }
  alloc: Record<
    string,
    {
      balance: number | string
      nonce?: number | string
      code?: string
      storage?: Record<string, string>
    }
  >
}

export type GenesisAccount = {
  balance: bigint
  nonce: bigint
  code: Uint8Array
  /** slot (32-byte lowercase hex) → non-zero value */
  storage: Map<Hex, bigint>
}

/** A validated genesis: lowercase addresses, bigint quantities. */
export type Genesis = {
  chainId: bigint
  timestamp: bigint
  gasLimit: bigint
  blockTimeMs: number
  minBaseFee: bigint
  feeVaults: { baseFee: Address; priorityFee: Address; l1Fee: Address }
  predeploys: { withdrawalStore: Address | null }
  alloc: Map<Address, GenesisAccount>
}

export class InvalidGenesisError extends LanesError {
  override name = 'InvalidGenesisError'
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`invalid genesis: ${field} ${problem}`)
  }
}

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/
const WORD_RE = /^0x[0-9a-fA-F]{1,64}$/
const BYTES_RE = /^0x([0-9a-fA-F]{2})*$/
const MAX_U256 = (1n << 256n) - 1n

function quantity(value: unknown, field: string, max = MAX_U256): bigint {
  let out: bigint
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new InvalidGenesisError(field, 'is not a safe integer')
    out = BigInt(value)
  } else if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) {
    out = BigInt(value)
  } else {
    throw new InvalidGenesisError(field, 'must be a number, a decimal string or a 0x-hex string')
  }
  if (out < 0n || out > max) throw new InvalidGenesisError(field, `is out of range (0..${max})`)
  return out
}

function address(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !ADDRESS_RE.test(value))
    throw new InvalidGenesisError(field, 'must be a 20-byte 0x-hex address')
  return value.toLowerCase() as Address
}

function word(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !WORD_RE.test(value))
    throw new InvalidGenesisError(field, 'must be 0x-hex of at most 32 bytes')
  return BigInt(value)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Checks a parsed genesis JSON value; throws InvalidGenesisError naming the first bad field. */
export function parseGenesis(json: unknown): Genesis {
  if (!isObject(json)) throw new InvalidGenesisError('(root)', 'must be a JSON object')
  const chainId = quantity(json.chainId, 'chainId', (1n << 64n) - 1n)
  if (chainId === 0n) throw new InvalidGenesisError('chainId', 'must not be 0')
  const blockTimeMs = Number(quantity(json.blockTimeMs, 'blockTimeMs', 3_600_000n))
  if (blockTimeMs === 0) throw new InvalidGenesisError('blockTimeMs', 'must be positive')
  const gasLimit = quantity(json.gasLimit, 'gasLimit', (1n << 63n) - 1n)
  if (gasLimit < 21_000n) throw new InvalidGenesisError('gasLimit', 'must be at least 21000')
  const fv = json.feeVaults
  if (!isObject(fv)) throw new InvalidGenesisError('feeVaults', 'must be an object')
  const pd = json.predeploys
  if (pd !== undefined && !isObject(pd))
    throw new InvalidGenesisError('predeploys', 'must be an object')
  const rawAlloc = json.alloc
  if (!isObject(rawAlloc)) throw new InvalidGenesisError('alloc', 'must be an object')

  const alloc = new Map<Address, GenesisAccount>()
  for (const [key, entry] of Object.entries(rawAlloc)) {
    const at = `alloc.${key}`
    const addr = address(key, at)
    if (alloc.has(addr))
      throw new InvalidGenesisError(at, 'appears twice (addresses are case-insensitive)')
    if (!isObject(entry)) throw new InvalidGenesisError(at, 'must be an object')
    const code = entry.code ?? '0x'
    if (typeof code !== 'string' || !BYTES_RE.test(code))
      throw new InvalidGenesisError(`${at}.code`, 'must be 0x-hex bytes')
    const storage = new Map<Hex, bigint>()
    if (entry.storage !== undefined) {
      if (!isObject(entry.storage))
        throw new InvalidGenesisError(`${at}.storage`, 'must be an object')
      for (const [slot, value] of Object.entries(entry.storage)) {
        const s = toHex(bigintToBytes32(word(slot, `${at}.storage key ${slot}`)))
        const v = word(value, `${at}.storage.${slot}`)
        if (v !== 0n) storage.set(s, v)
      }
    }
    alloc.set(addr, {
      balance: quantity(entry.balance, `${at}.balance`),
      nonce:
        entry.nonce === undefined ? 0n : quantity(entry.nonce, `${at}.nonce`, (1n << 64n) - 1n),
      code: fromHex(code),
      storage,
    })
  }

  return {
    chainId,
    timestamp: quantity(json.timestamp, 'timestamp', (1n << 64n) - 1n),
    gasLimit,
    blockTimeMs,
    minBaseFee: quantity(json.minBaseFee, 'minBaseFee'),
    feeVaults: {
      baseFee: address(fv.baseFee, 'feeVaults.baseFee'),
      priorityFee: address(fv.priorityFee, 'feeVaults.priorityFee'),
      l1Fee: address(fv.l1Fee, 'feeVaults.l1Fee'),
    },
    predeploys: {
      withdrawalStore:
        pd?.withdrawalStore === undefined
          ? null
          : address(pd.withdrawalStore, 'predeploys.withdrawalStore'),
    },
    alloc,
  }
}

/** The state the genesis block commits to, as one diff (applied as tree version 0). */
export function genesisToDiff(genesis: Genesis): StateDiff {
  const diff = emptyStateDiff()
  for (const [addr, acct] of genesis.alloc) {
    let codeHash = EMPTY_CODE_HASH
    if (acct.code.length > 0) {
      codeHash = keccak256Hex(acct.code)
      diff.code.set(codeHash, acct.code)
    }
    const account: Account = { nonce: acct.nonce, balance: acct.balance, codeHash }
    diff.accounts.set(addr, account)
    if (acct.storage.size > 0) diff.storage.set(addr, new Map(acct.storage))
  }
  return diff
}

/** A genesis as JSON again (quantities as 0x-hex), e.g. for a generator command. */
export function genesisToJson(genesis: Genesis): GenesisJson {
  const hex = (v: bigint) => `0x${v.toString(16)}`
  const alloc: GenesisJson['alloc'] = {}
  for (const [addr, a] of genesis.alloc) {
    const entry: GenesisJson['alloc'][string] = { balance: hex(a.balance) }
    if (a.nonce !== 0n) entry.nonce = hex(a.nonce)
    if (a.code.length > 0) entry.code = toHex(a.code)
    if (a.storage.size > 0)
      entry.storage = Object.fromEntries([...a.storage].map(([s, v]) => [s, hex(v)]))
    alloc[addr] = entry
  }
  const out: GenesisJson = {
    chainId: hex(genesis.chainId),
    timestamp: hex(genesis.timestamp),
    gasLimit: hex(genesis.gasLimit),
    blockTimeMs: genesis.blockTimeMs,
    minBaseFee: hex(genesis.minBaseFee),
    feeVaults: { ...genesis.feeVaults },
    alloc,
  }
  if (genesis.predeploys.withdrawalStore)
    out.predeploys = { withdrawalStore: genesis.predeploys.withdrawalStore }
  return out
}
