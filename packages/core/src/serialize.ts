import type { Address, Hex } from './hex.js'
import { toHex } from './hex.js'
import { intrinsicGas } from './intrinsic-gas.js'
import { keccak256 } from './keccak.js'
import { type RlpItem, rlpEncode, rlpUint } from './rlp.js'
import type { AccessListItem, SignedTx, SignedTxType } from './types.js'

/**
 * The fields that define a signed transaction: enough to rebuild its exact bytes.
 * Legacy and 0x01 use `gasPrice`; 0x02 uses `maxFeePerGas` and `maxPriorityFeePerGas`
 * (the others may be absent or carry the SignedTx mirror values, they are ignored).
 */
export type SignedTxFields = {
  type: SignedTxType
  chainId: bigint
  nonce: bigint
  gasLimit: bigint
  to: Address | null
  value: bigint
  data: Uint8Array
  gasPrice?: bigint | undefined
  maxFeePerGas?: bigint | undefined
  maxPriorityFeePerGas?: bigint | undefined
  accessList: readonly AccessListItem[]
  yParity: 0 | 1
  r: bigint
  s: bigint
}

export type UnsignedTxFields = Omit<SignedTxFields, 'yParity' | 'r' | 's'>

const EMPTY = new Uint8Array(0)

function fixedHex(hex: string, bytes: number, what: string): Uint8Array {
  if (hex.length !== 2 + bytes * 2 || !/^0x[0-9a-fA-F]*$/.test(hex))
    throw new TypeError(`${what} must be ${bytes} bytes of 0x-hex, got ${hex}`)
  return Buffer.from(hex.slice(2), 'hex')
}

function required(value: bigint | undefined, name: string, type: number): bigint {
  if (value === undefined) throw new TypeError(`${name} is required for type ${type} transactions`)
  return value
}

function accessListRlp(list: readonly AccessListItem[]): RlpItem[] {
  return list.map((item) => [
    fixedHex(item.address, 20, 'access list address'),
    item.storageKeys.map((k) => fixedHex(k, 32, 'access list storage key')),
  ])
}

/** The payload fields in wire order, without signature (shared by payload and envelope). */
function bodyFields(tx: UnsignedTxFields): RlpItem[] {
  const to = tx.to === null ? EMPTY : fixedHex(tx.to, 20, 'to')
  switch (tx.type) {
    case 0:
      return [
        rlpUint(tx.nonce),
        rlpUint(required(tx.gasPrice, 'gasPrice', 0)),
        rlpUint(tx.gasLimit),
        to,
        rlpUint(tx.value),
        tx.data,
      ]
    case 1:
      return [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(required(tx.gasPrice, 'gasPrice', 1)),
        rlpUint(tx.gasLimit),
        to,
        rlpUint(tx.value),
        tx.data,
        accessListRlp(tx.accessList),
      ]
    case 2:
      return [
        rlpUint(tx.chainId),
        rlpUint(tx.nonce),
        rlpUint(required(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas', 2)),
        rlpUint(required(tx.maxFeePerGas, 'maxFeePerGas', 2)),
        rlpUint(tx.gasLimit),
        to,
        rlpUint(tx.value),
        tx.data,
        accessListRlp(tx.accessList),
      ]
    default:
      throw new TypeError(`unsupported transaction type ${String((tx as { type: unknown }).type)}`)
  }
}

function envelope(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1)
  out[0] = type
  out.set(payload, 1)
  return out
}

/**
 * The bytes a signer signs: EIP-155 rlp([..., chainId, 0, 0]) for legacy,
 * `type ‖ rlp(fields)` for typed transactions.
 */
export function serializeSigningPayload(tx: UnsignedTxFields): Uint8Array {
  const fields = bodyFields(tx)
  if (tx.type === 0) return rlpEncode([...fields, rlpUint(tx.chainId), EMPTY, EMPTY])
  return envelope(tx.type, rlpEncode(fields))
}

/** keccak-256 of the signing payload: the message hash recovered against. */
export function signingHash(tx: UnsignedTxFields): Uint8Array {
  return keccak256(serializeSigningPayload(tx))
}

/**
 * Rebuilds the exact raw bytes of a signed transaction (legacy with EIP-155 v, or the
 * 0x01/0x02 envelope). Decoding is canonical, so this round-trips every accepted tx.
 */
export function serializeSignedTx(tx: SignedTxFields): Uint8Array {
  const fields = bodyFields(tx)
  if (tx.type === 0) {
    const v = tx.chainId * 2n + 35n + BigInt(tx.yParity)
    return rlpEncode([...fields, rlpUint(v), rlpUint(tx.r), rlpUint(tx.s)])
  }
  fields.push(rlpUint(tx.yParity), rlpUint(tx.r), rlpUint(tx.s))
  return envelope(tx.type, rlpEncode(fields))
}

/**
 * A full SignedTx from its fields (raw bytes, hash, signing hash, intrinsic gas filled in),
 * for data that was validated before, e.g. txs rebuilt from a batch. No validation here:
 * untrusted bytes go through decodeTransaction.
 */
export function signedTxFromFields(tx: SignedTxFields): SignedTx {
  const raw = serializeSignedTx(tx)
  const gasPrice = tx.type === 2 ? required(tx.maxFeePerGas, 'maxFeePerGas', 2) : tx.gasPrice!
  const maxFeePerGas = gasPrice
  const maxPriorityFeePerGas = tx.type === 2 ? tx.maxPriorityFeePerGas! : gasPrice
  const accessList = tx.accessList.map((i) => ({
    address: i.address.toLowerCase() as Address,
    storageKeys: i.storageKeys.map((k) => k.toLowerCase() as Hex),
  }))
  const to = tx.to === null ? null : (tx.to.toLowerCase() as Address)
  return {
    type: tx.type,
    chainId: tx.chainId,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    to,
    value: tx.value,
    data: tx.data,
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    accessList,
    yParity: tx.yParity,
    r: tx.r,
    s: tx.s,
    hash: toHex(keccak256(raw)),
    signingHash: signingHash(tx),
    raw,
    intrinsicGas: intrinsicGas({ data: tx.data, to, accessList }),
  }
}
