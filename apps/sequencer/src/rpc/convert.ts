import { type Address, fromHex, type Hex } from '@lanes/core'
import type { Static } from '@sinclair/typebox'
import type { BlockSelector, CallRequest, StateOverrides } from '../node.js'
import { invalidParams, serverError } from './errors.js'
import type {
  BLOCK_TAGS,
  BlockNumber,
  BlockNumberOrHash,
  CallObject,
  StateOverride,
} from './schemas.js'

/** Checked param values → the node's types (bigints, lowercase addresses, bytes). */

export const lower = <T extends string>(v: T): T => v.toLowerCase() as T

export function toSelector(
  value: Static<typeof BlockNumber> | Static<typeof BlockNumberOrHash> | undefined,
  fallback: BlockSelector = 'latest',
): BlockSelector {
  if (value === undefined) return fallback
  if (typeof value === 'string') {
    if (value.startsWith('0x') || value.startsWith('0X')) return BigInt(value)
    return value as (typeof BLOCK_TAGS)[number]
  }
  if ('blockHash' in value) {
    const out: BlockSelector = { hash: lower(value.blockHash as Hex) }
    if (value.requireCanonical !== undefined) out.requireCanonical = value.requireCanonical
    return out
  }
  return toSelector(value.blockNumber)
}

const big = (v: string | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v))

/** geth's TransactionArgs checks, then the node's CallRequest. */
export function toCallRequest(args: CallObject): CallRequest {
  if (args.data !== undefined && args.input !== undefined && lower(args.data) !== lower(args.input))
    throw invalidParams(
      'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    )
  if (
    args.gasPrice !== undefined &&
    (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined)
  )
    throw invalidParams('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  const out: CallRequest = {}
  if (args.from !== undefined) out.from = lower(args.from as Address)
  if (args.to !== undefined) out.to = args.to === null ? null : lower(args.to as Address)
  const gas = big(args.gas)
  if (gas !== undefined) out.gas = gas
  const gasPrice = big(args.gasPrice)
  if (gasPrice !== undefined) out.gasPrice = gasPrice
  const maxFee = big(args.maxFeePerGas)
  if (maxFee !== undefined) out.maxFeePerGas = maxFee
  const tip = big(args.maxPriorityFeePerGas)
  if (tip !== undefined) out.maxPriorityFeePerGas = tip
  if (maxFee !== undefined && tip !== undefined && tip > maxFee)
    throw serverError(`maxFeePerGas (${maxFee}) < maxPriorityFeePerGas (${tip})`)
  const value = big(args.value)
  if (value !== undefined) out.value = value
  // `nonce` is accepted and ignored: geth runs eth_call / eth_estimateGas with SkipNonceChecks,
  // and wallets send the pool's pending nonce, which is ahead of the state the call runs on
  const data = args.input ?? args.data
  if (data !== undefined) out.data = fromHex(data)
  if (args.accessList !== undefined)
    out.accessList = args.accessList.map((item) => ({
      address: lower(item.address as Address),
      storageKeys: item.storageKeys.map((k) => lower(k as Hex)),
    }))
  return out
}

export function toOverrides(value: StateOverride | undefined): StateOverrides | undefined {
  if (value === undefined) return undefined
  const out: StateOverrides = new Map()
  for (const [address, o] of Object.entries(value)) {
    if (o.state !== undefined && o.stateDiff !== undefined)
      throw invalidParams(`account ${address} has both 'state' and 'stateDiff'`)
    const entry: NonNullable<ReturnType<StateOverrides['get']>> = {}
    if (o.balance !== undefined) entry.balance = BigInt(o.balance)
    if (o.nonce !== undefined) entry.nonce = BigInt(o.nonce)
    if (o.code !== undefined) entry.code = fromHex(o.code)
    if (o.state !== undefined) entry.state = slotMap(o.state)
    if (o.stateDiff !== undefined) entry.stateDiff = slotMap(o.stateDiff)
    out.set(lower(address as Address), entry)
  }
  return out
}

function slotMap(slots: Record<string, string>): Map<Hex, bigint> {
  const out = new Map<Hex, bigint>()
  for (const [slot, word] of Object.entries(slots)) out.set(lower(slot as Hex), BigInt(word))
  return out
}

/** A bigint as a 32-byte word (eth_getStorageAt's answer). */
export function word(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}` as Hex
}
