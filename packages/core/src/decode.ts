import type { Address, Hex } from './hex.js'
import { toHex } from './hex.js'
import { intrinsicGas as computeIntrinsicGas, MAX_INITCODE_SIZE } from './intrinsic-gas.js'
import { keccak256, keccak256Parts } from './keccak.js'
import {
  RlpError,
  type RlpItem,
  rlpDecodeList,
  rlpEncodedOffset,
  rlpHeader,
  rlpToBigint,
  rlpToBytes,
  rlpToList,
  rlpUint,
} from './rlp.js'
import {
  FeeProductOverflowError,
  IntrinsicGasTooLowError,
  InvalidChainIdError,
  InvalidSignatureValuesError,
  MaxInitCodeSizeExceededError,
  OversizedDataError,
  TipAboveFeeCapError,
  TxTypeNotSupportedError,
  TypedTxTooShortError,
  UnprotectedTxError,
} from './tx-errors.js'
import type { AccessListItem, SignedTx, SignedTxType } from './types.js'

/** geth's txpool limit (4 slots of 32 KiB): larger raw transactions are "oversized data". */
export const MAX_TX_SIZE = 128 * 1024

/** secp256k1 group order */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
export const SECP256K1_HALF_N = SECP256K1_N / 2n

export type DecodeTransactionOptions = {
  /** the L2 chain id every transaction must be signed for */
  chainId: bigint
  /** raw size limit in bytes, default MAX_TX_SIZE */
  maxSize?: number
}

function fixedBytes(item: RlpItem | undefined, length: number, context: string): Uint8Array {
  const bytes = rlpToBytes(item, context)
  if (bytes.length < length) throw new RlpError('input string too short', context)
  if (bytes.length > length) throw new RlpError('input string too long', context)
  return bytes
}

function parseTo(item: RlpItem | undefined): Address | null {
  const bytes = rlpToBytes(item, 'common.Address')
  if (bytes.length === 0) return null
  return toHex(fixedBytes(bytes, 20, 'common.Address')) as Address
}

function parseAccessList(item: RlpItem | undefined): AccessListItem[] {
  const list = rlpToList(item, 'types.AccessList')
  const out: AccessListItem[] = new Array(list.length)
  for (let i = 0; i < list.length; i++) {
    const tuple = rlpToList(list[i], 'types.AccessTuple')
    expectLength(tuple, 2, 'types.AccessTuple')
    const address = toHex(fixedBytes(tuple[0], 20, 'common.Address')) as Address
    const keys = rlpToList(tuple[1], '[]common.Hash')
    const storageKeys: Hex[] = new Array(keys.length)
    for (let k = 0; k < keys.length; k++)
      storageKeys[k] = toHex(fixedBytes(keys[k], 32, 'common.Hash'))
    out[i] = { address, storageKeys }
  }
  return out
}

function expectLength(list: RlpItem[], n: number, context: string): void {
  if (list.length < n) throw new RlpError('too few elements', context)
  if (list.length > n) throw new RlpError('input list has too many elements', context)
}

const u64 = (item: RlpItem | undefined) => rlpToBigint(item, 8, 'uint64')
const u256 = (item: RlpItem | undefined) => rlpToBigint(item, 32, 'uint256')

/**
 * Decodes and statelessly validates a raw signed transaction the way geth's
 * eth_sendRawTransaction path does (decode, EIP-155 protection, txpool basic checks,
 * signer chain id and signature values, intrinsic gas). Sender recovery is separate
 * (recoverSender / SenderRecoveryPool) because it is the expensive part.
 *
 * Throws only RpcVisibleError subclasses (RlpError for malformed bytes). The returned
 * `data` and `raw` share `raw`'s memory: do not mutate `raw` afterwards.
 */
export function decodeTransaction(raw: Uint8Array, opts: DecodeTransactionOptions): SignedTx {
  const maxSize = opts.maxSize ?? MAX_TX_SIZE
  if (raw.length > maxSize) throw new OversizedDataError(raw.length, maxSize)
  // geth: a first byte > 0x7f starts an RLP list (legacy); anything else is a type byte.
  if (raw.length > 0 && raw[0]! > 0x7f) return decodeLegacy(raw, opts.chainId)
  if (raw.length <= 1) throw new TypedTxTooShortError()
  const type = raw[0]!
  if (type !== 1 && type !== 2) throw new TxTypeNotSupportedError(type)
  return decodeTypedFast(raw, type, opts.chainId) ?? decodeTyped(raw, type, opts.chainId)
}

/** The general decoder only (tests compare the fast path against it). */
export function decodeTransactionGeneral(
  raw: Uint8Array,
  opts: DecodeTransactionOptions,
): SignedTx {
  const maxSize = opts.maxSize ?? MAX_TX_SIZE
  if (raw.length > maxSize) throw new OversizedDataError(raw.length, maxSize)
  if (raw.length > 0 && raw[0]! > 0x7f) return decodeLegacy(raw, opts.chainId)
  if (raw.length <= 1) throw new TypedTxTooShortError()
  const type = raw[0]!
  if (type !== 1 && type !== 2) throw new TxTypeNotSupportedError(type)
  return decodeTyped(raw, type, opts.chainId)
}

// ---------------------------------------------------------------- fast path

/** payload length of the string header read last by fastString */
let fastLen = 0
/** where the fast path reads next (module state, like fastLen: no cursor object per tx) */
let fastPos = 0

/**
 * The payload start of the canonical RLP byte string at `pos` (its length in fastLen), or -1
 * for anything else: lists, non-canonical headers, overruns. -1 sends the tx to the general
 * decoder, which then names the problem.
 */
function fastString(raw: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1
  const b = raw[pos]!
  if (b < 0x80) {
    fastLen = 1
    return pos
  }
  if (b < 0xb8) {
    const len = b - 0x80
    if (pos + 1 + len > end || (len === 1 && raw[pos + 1]! < 0x80)) return -1
    fastLen = len
    return pos + 1
  }
  if (b >= 0xc0) return -1
  const lenLen = b - 0xb7
  if (lenLen > 3 || pos + 1 + lenLen > end || raw[pos + 1] === 0) return -1
  let len = 0
  for (let i = 0; i < lenLen; i++) len = len * 256 + raw[pos + 1 + i]!
  const start = pos + 1 + lenLen
  if (len < 56 || start + len > end) return -1
  fastLen = len
  return start
}

/** The next byte string at fastPos (see fastString), moving fastPos past it; -1 if none. */
function nextString(raw: Uint8Array, end: number): number {
  const at = fastString(raw, fastPos, end)
  if (at >= 0) fastPos = at + fastLen
  return at
}

/**
 * The next canonical RLP integer of at most `max` bytes at fastPos, moving past it; undefined
 * if it is not one (the caller checks every field for undefined before using any).
 */
function nextUint(raw: Uint8Array, end: number, max: number): bigint | undefined {
  const at = nextString(raw, end)
  return at < 0 ? undefined : fastUint(raw, at, fastLen, max)
}

/** A canonical RLP integer of at most `max` bytes at [start, start + len); undefined if not. */
function fastUint(raw: Uint8Array, start: number, len: number, max: number): bigint | undefined {
  if (len === 0) return 0n
  if (len > max || raw[start] === 0) return undefined
  if (len <= 6) {
    let n = 0
    for (let i = 0; i < len; i++) n = n * 256 + raw[start + i]!
    return BigInt(n)
  }
  return BigInt(toHex(raw.subarray(start, start + len)))
}

/** type ‖ list header ‖ unsigned fields: the signing payload is built here, then hashed once */
const signingScratch = new Uint8Array(512)
const INTRINSIC_TRANSFER = 21_000n

/**
 * decodeTyped for the common shape (canonical RLP, no access list entries, valid values),
 * reading fields straight from the bytes: no item arrays, one keccak call per hash. Returns
 * undefined for anything unusual, which the general decoder then accepts or rejects with
 * geth's message; for everything it accepts, both produce the same object.
 */
function decodeTypedFast(raw: Uint8Array, type: 1 | 2, wantChainId: bigint): SignedTx | undefined {
  const end = raw.length
  const h = raw[1]!
  let pos: number
  let listEnd: number
  if (h >= 0xc0 && h < 0xf8) {
    pos = 2
    listEnd = 2 + h - 0xc0
  } else if (h >= 0xf8) {
    const lenLen = h - 0xf7
    if (lenLen > 3 || 2 + lenLen > end || raw[2] === 0) return undefined
    let len = 0
    for (let i = 0; i < lenLen; i++) len = len * 256 + raw[2 + i]!
    if (len < 56) return undefined
    pos = 2 + lenLen
    listEnd = pos + len
  } else return undefined
  if (listEnd !== end) return undefined
  const unsignedStart = pos

  fastPos = pos
  const chainId = nextUint(raw, end, 32)
  if (chainId === undefined || chainId !== wantChainId) return undefined
  const nonce = nextUint(raw, end, 8)
  const first = nextUint(raw, end, 32)
  const gasPrice = type === 2 ? nextUint(raw, end, 32) : first
  const maxPriorityFeePerGas = first
  const gasLimit = nextUint(raw, end, 8)

  let at = nextString(raw, end)
  if (at < 0 || (fastLen !== 0 && fastLen !== 20)) return undefined
  const to = fastLen === 0 ? null : (toHex(raw.subarray(at, at + 20)) as Address)
  const value = nextUint(raw, end, 32)
  at = nextString(raw, end)
  if (at < 0) return undefined
  const data = raw.subarray(at, at + fastLen)

  // only the empty access list here
  if (raw[fastPos] !== 0xc0) return undefined
  const unsignedEnd = ++fastPos

  const v = nextUint(raw, end, 32)
  const r = nextUint(raw, end, 32)
  const s = nextUint(raw, end, 32)
  if (fastPos !== end) return undefined

  if (
    nonce === undefined ||
    maxPriorityFeePerGas === undefined ||
    gasPrice === undefined ||
    gasLimit === undefined ||
    value === undefined ||
    v === undefined ||
    r === undefined ||
    s === undefined
  )
    return undefined
  // the checks decodeTyped makes, in its order; a failing one is left to it for the message
  if (to === null && data.length > MAX_INITCODE_SIZE) return undefined
  if (maxPriorityFeePerGas > gasPrice) return undefined
  if (gasLimit * gasPrice > MAX_UINT256) return undefined
  if (v > 1n) return undefined
  if (r < 1n || r >= SECP256K1_N || s < 1n || s > SECP256K1_HALF_N) return undefined
  const unsignedLength = unsignedEnd - unsignedStart
  const intrinsicGas =
    to !== null && data.length === 0
      ? INTRINSIC_TRANSFER
      : computeIntrinsicGas({ data, to, accessList: [] })
  if (gasLimit < intrinsicGas) return undefined

  let signingHash: Uint8Array
  const headerLength = unsignedLength < 56 ? 1 : unsignedLength < 256 ? 2 : 3
  if (1 + headerLength + unsignedLength <= signingScratch.length && headerLength < 3) {
    const buf = signingScratch
    buf[0] = type
    if (headerLength === 1) buf[1] = 0xc0 + unsignedLength
    else {
      buf[1] = 0xf8
      buf[2] = unsignedLength
    }
    buf.set(raw.subarray(unsignedStart, unsignedEnd), 1 + headerLength)
    signingHash = keccak256(buf.subarray(0, 1 + headerLength + unsignedLength))
  } else {
    const unsigned = raw.subarray(unsignedStart, unsignedEnd)
    signingHash = keccak256Parts(raw.subarray(0, 1), rlpHeader(unsignedLength, true), unsigned)
  }

  return {
    type,
    // the caller's (equal) value: one bigint less per pooled tx
    chainId: wantChainId,
    nonce,
    gasLimit,
    to,
    value,
    data,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas,
    accessList: [],
    yParity: Number(v) as 0 | 1,
    r,
    s,
    hash: toHex(keccak256(raw)),
    signingHash,
    raw,
    intrinsicGas,
  }
}

function decodeLegacy(raw: Uint8Array, wantChainId: bigint): SignedTx {
  const f = rlpDecodeList(raw, 'types.LegacyTx')
  expectLength(f, 9, 'types.LegacyTx')
  const nonce = u64(f[0])
  const gasPrice = u256(f[1])
  const gasLimit = u64(f[2])
  const to = parseTo(f[3])
  const value = u256(f[4])
  const data = rlpToBytes(f[5], '[]uint8')
  const v = u256(f[6])
  const r = u256(f[7])
  const s = u256(f[8])
  // geth's isProtectedV: 27/28 (and 0/1, never valid) mean no EIP-155 chain id.
  if (v === 27n || v === 28n || v === 0n || v === 1n) throw new UnprotectedTxError()
  checkInitCode(to, data)
  checkFeeProduct(gasLimit, gasPrice)
  // geth's deriveChainId: for v < 35 its uint64 subtraction wraps, giving a huge chain id.
  const chainId = v < 35n ? BigInt.asUintN(64, v - 35n) >> 1n : (v - 35n) >> 1n
  if (chainId !== wantChainId) throw new InvalidChainIdError(chainId, wantChainId)
  if (v < 35n) throw new InvalidSignatureValuesError(`legacy v ${v}`)
  const yParity = Number((v - 35n) & 1n) as 0 | 1
  checkSignature(yParity, r, s)

  // Signing payload rlp([nonce..data, chainId, 0, 0]) from the raw bytes already there.
  const vItem = f[6] as Uint8Array
  const bodyStart = rlpEncodedOffset(f[0] as Uint8Array, raw)
  const body = raw.subarray(bodyStart, rlpEncodedOffset(vItem, raw))
  const chainIdBytes = chainIdItem(chainId)
  const payloadLength = body.length + chainIdBytes.length + 2
  const sigHash = keccak256Parts(rlpHeader(payloadLength, true), body, chainIdBytes, EMPTY_PAIR)

  return finish(raw, 0, {
    chainId,
    nonce,
    gasLimit,
    to,
    value,
    data,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas: gasPrice,
    accessList: [],
    yParity,
    r,
    s,
    signingHash: sigHash,
  })
}

const EMPTY_PAIR = Uint8Array.of(0x80, 0x80)

function chainIdItem(chainId: bigint): Uint8Array {
  const b = rlpUint(chainId)
  if (b.length === 1 && b[0]! < 0x80) return b
  const h = rlpHeader(b.length, false)
  const out = new Uint8Array(h.length + b.length)
  out.set(h)
  out.set(b, h.length)
  return out
}

function decodeTyped(raw: Uint8Array, type: 1 | 2, wantChainId: bigint): SignedTx {
  const context = type === 1 ? 'types.AccessListTx' : 'types.DynamicFeeTx'
  const body = raw.subarray(1)
  const f = rlpDecodeList(body, context)
  const n = type === 1 ? 11 : 12
  expectLength(f, n, context)
  const chainId = u256(f[0])
  const nonce = u64(f[1])
  let gasPrice: bigint
  let maxPriorityFeePerGas: bigint
  let i = 2
  if (type === 1) {
    gasPrice = u256(f[i++])
    maxPriorityFeePerGas = gasPrice
  } else {
    maxPriorityFeePerGas = u256(f[i++])
    gasPrice = u256(f[i++])
  }
  const gasLimit = u64(f[i++])
  const to = parseTo(f[i++])
  const value = u256(f[i++])
  const data = rlpToBytes(f[i++], '[]uint8')
  const accessList = parseAccessList(f[i++])
  const v = u256(f[i++])
  const r = u256(f[i++])
  const s = u256(f[i])

  checkInitCode(to, data)
  if (maxPriorityFeePerGas > gasPrice) throw new TipAboveFeeCapError()
  checkFeeProduct(gasLimit, gasPrice)
  if (chainId !== wantChainId) throw new InvalidChainIdError(chainId, wantChainId)
  if (v > 1n) throw new InvalidSignatureValuesError(`yParity ${v}`)
  const yParity = Number(v) as 0 | 1
  checkSignature(yParity, r, s)

  // Signing payload: type ‖ rlp(fields without the signature), cut from the raw bytes.
  const start = rlpEncodedOffset(f[0] as Uint8Array, raw)
  const unsigned = raw.subarray(start, rlpEncodedOffset(f[n - 3] as Uint8Array, raw))
  const sigHash = keccak256Parts(raw.subarray(0, 1), rlpHeader(unsigned.length, true), unsigned)

  return finish(raw, type, {
    chainId,
    nonce,
    gasLimit,
    to,
    value,
    data,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas,
    accessList,
    yParity,
    r,
    s,
    signingHash: sigHash,
  })
}

const MAX_UINT256 = (1n << 256n) - 1n

function checkFeeProduct(gasLimit: bigint, feeCap: bigint): void {
  if (gasLimit * feeCap > MAX_UINT256) throw new FeeProductOverflowError(gasLimit, feeCap)
}

function checkInitCode(to: Address | null, data: Uint8Array): void {
  if (to === null && data.length > MAX_INITCODE_SIZE)
    throw new MaxInitCodeSizeExceededError(data.length, MAX_INITCODE_SIZE)
}

/** geth's crypto.ValidateSignatureValues with homestead (EIP-2 low-s) rules. */
function checkSignature(yParity: number, r: bigint, s: bigint): void {
  if (yParity !== 0 && yParity !== 1) throw new InvalidSignatureValuesError()
  if (r < 1n || r >= SECP256K1_N) throw new InvalidSignatureValuesError('r out of range')
  if (s < 1n || s > SECP256K1_HALF_N) throw new InvalidSignatureValuesError('s out of range')
}

type Decoded = Omit<SignedTx, 'type' | 'hash' | 'raw' | 'intrinsicGas'>

function finish(raw: Uint8Array, type: SignedTxType, d: Decoded): SignedTx {
  const intrinsicGas = computeIntrinsicGas(d)
  if (d.gasLimit < intrinsicGas) throw new IntrinsicGasTooLowError(d.gasLimit, intrinsicGas)
  return {
    type,
    chainId: d.chainId,
    nonce: d.nonce,
    gasLimit: d.gasLimit,
    to: d.to,
    value: d.value,
    data: d.data,
    gasPrice: d.gasPrice,
    maxFeePerGas: d.maxFeePerGas,
    maxPriorityFeePerGas: d.maxPriorityFeePerGas,
    accessList: d.accessList,
    yParity: d.yParity,
    r: d.r,
    s: d.s,
    hash: toHex(keccak256(raw)),
    signingHash: d.signingHash,
    raw,
    intrinsicGas,
  }
}
