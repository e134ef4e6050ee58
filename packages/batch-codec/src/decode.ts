import type { AccessListItem, Address, BatchHeader, Hex, SignedTx } from '@lanes/core'
import { toHex } from '@lanes/core'
import { ByteReader, S_LIMIT, U64_MAX, U256_MAX, unzigzag, ZIGZAG_U256_MAX } from './bytes.js'
import { readCalldata } from './calldata.js'
import { decompressBody } from './compress.js'
import { type BatchContext, EMPTY_BATCH_CONTEXT } from './context.js'
import { readDict, readRefs } from './dict.js'
import {
  BatchContextMismatchError,
  BatchContextRequiredError,
  BatchHeaderMismatchError,
  BatchTooLargeError,
  MalformedBatchError,
  UnsupportedBatchVersionError,
} from './errors.js'
import { rebuildTx } from './rebuild.js'
import {
  BATCH_VERSION,
  type Batch,
  type BatchBlock,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type DecodeBatchOptions,
} from './types.js'
import { MAX_VALUE_EXPONENT, pow10 } from './value.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER

type Decoded = { header: BatchHeader; contextHash: Hex; bodyLength: number; bodyOffset: number }

function decodeHeader(payload: Uint8Array, opts: DecodeBatchOptions): Decoded {
  if (payload.length === 0) throw new UnsupportedBatchVersionError(undefined)
  if (payload[0] !== BATCH_VERSION) throw new UnsupportedBatchVersionError(payload[0])
  const r = new ByteReader(payload, 'header')
  r.byte('version')
  const chainId = r.uvarint('chainId')
  if (chainId !== opts.chainId)
    throw new BatchHeaderMismatchError(
      `batch is for chain ${chainId}, expected chain ${opts.chainId}`,
    )
  const batchIndex = r.uvarint('batchIndex')
  const firstBlock = r.uvarint('firstBlock')
  const blockSpan = r.uvarint('blockCountMinus1')
  const parentStateRoot = toHex(r.bytes(32, 'parentStateRoot'))
  const postStateRoot = toHex(r.bytes(32, 'postStateRoot'))
  const l1OriginFirst = r.uvarint('l1OriginFirst')
  const l1Span = r.uvarint('l1OriginSpan')
  const depositCursorStart = r.uvarint('depositCursorStart')
  const cursorSpan = r.uvarint('depositCursorSpan')
  const contextHash = toHex(r.bytes(32, 'contextHash'))
  const bodyLength = r.uint('bodyLength', MAX_SAFE)
  const header: BatchHeader = {
    version: BATCH_VERSION,
    chainId,
    batchIndex,
    firstBlock,
    lastBlock: firstBlock + blockSpan,
    parentStateRoot,
    postStateRoot,
    l1OriginFirst,
    l1OriginLast: l1OriginFirst + l1Span,
    depositCursorStart,
    depositCursorEnd: depositCursorStart + cursorSpan,
  }
  if (header.lastBlock > U64_MAX || header.l1OriginLast > U64_MAX)
    throw new MalformedBatchError('header: block range or L1 origin range leaves u64')
  if (header.depositCursorEnd > U64_MAX)
    throw new MalformedBatchError('header: deposit cursor range leaves u64')
  const max = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  if (bodyLength > max)
    throw new BatchTooLargeError(`batch body declares ${bodyLength} bytes, the bound is ${max}`)
  return { header, contextHash, bodyLength, bodyOffset: r.offset }
}

/**
 * The hash of the address table the batch was encoded against (README §3.5), from the header:
 * `EMPTY_BATCH_CONTEXT.hash` when the batch needs no context.
 */
export function decodeBatchContextHash(payload: Uint8Array, opts: DecodeBatchOptions): Hex {
  return decodeHeader(payload, opts).contextHash
}

/** A self-contained batch decodes the same with any context, so callers may always pass one. */
function checkContext(contextHash: Hex, given: BatchContext | undefined): BatchContext {
  if (contextHash === EMPTY_BATCH_CONTEXT.hash) return EMPTY_BATCH_CONTEXT
  if (given === undefined) throw new BatchContextRequiredError(contextHash)
  if (given.hash !== contextHash) throw new BatchContextMismatchError(contextHash, given.hash)
  return given
}

/** Reads only the header (no decompression): for checks against commitBatch arguments. */
export function decodeBatchHeader(payload: Uint8Array, opts: DecodeBatchOptions): BatchHeader {
  return decodeHeader(payload, opts).header
}

function decodeBody(
  body: Uint8Array,
  header: BatchHeader,
  maxExpanded: number,
  table: readonly Address[],
): BatchBlock[] {
  const r = new ByteReader(body, 'body')
  const n = Number(header.lastBlock - header.firstBlock) + 1
  // Each block takes at least 3 body bytes (B1/B3/B4 uvarints) and all but the last a 32-byte
  // root (B5): bound before allocating.
  if (n > body.length || 35 * n - 32 > body.length)
    throw new MalformedBatchError(`${n} blocks cannot fit a ${body.length}-byte body`)
  const timestamps: bigint[] = [r.uvarint('timestamp')]
  for (let i = 1; i < n; i++) {
    const t = timestamps[i - 1]! + r.uvarint('timestamp delta')
    if (t > U64_MAX) throw new MalformedBatchError('timestamp leaves u64')
    timestamps.push(t)
  }
  const origins: bigint[] = [header.l1OriginFirst]
  for (let i = 1; i < n; i++) {
    const o = origins[i - 1]! + r.uvarint('L1 origin delta')
    if (o > header.l1OriginLast)
      throw new BatchHeaderMismatchError(`block ${i}: L1 origin ${o} beyond l1OriginLast`)
    origins.push(o)
  }
  if (origins[n - 1] !== header.l1OriginLast)
    throw new BatchHeaderMismatchError('last block L1 origin ≠ header l1OriginLast')
  const cursors: bigint[] = []
  let cursor = header.depositCursorStart
  for (let i = 0; i < n; i++) {
    cursor += r.uvarint('deposit cursor delta')
    if (cursor > header.depositCursorEnd)
      throw new BatchHeaderMismatchError(`block ${i}: deposit cursor beyond depositCursorEnd`)
    cursors.push(cursor)
  }
  if (cursor !== header.depositCursorEnd)
    throw new BatchHeaderMismatchError('last block deposit cursor ≠ header depositCursorEnd')
  const maxTxs = Math.floor(body.length / 64)
  const counts: number[] = []
  let T = 0
  for (let i = 0; i < n; i++) {
    const c = r.uint('tx count', maxTxs - T)
    counts.push(c)
    T += c
  }
  const roots: Hex[] = []
  for (let i = 0; i < n - 1; i++) roots.push(toHex(r.bytes(32, 'block state root')))
  roots.push(header.postStateRoot)

  const types = r.bytes(T, 'types')
  for (let i = 0; i < T; i++)
    if (types[i]! > 2) throw new MalformedBatchError(`tx ${i}: unknown type ${types[i]}`)
  const sigR = r.bytes(T * 32, 'r')
  const sigS = r.bytes(T * 32, 'y-parity and s')
  const nonces: bigint[] = []
  for (let i = 0; i < T; i++) {
    const c = r.uvarint('nonce code', (1n << 65n) - 1n)
    let nonce: bigint
    if ((c & 1n) === 0n) nonce = c >> 1n
    else {
      const d = (c + 1n) >> 1n
      if (d > BigInt(i)) throw new MalformedBatchError(`tx ${i}: nonce back-reference ${d} too far`)
      nonce = nonces[i - Number(d)]! + 1n
    }
    if (nonce >= U64_MAX) throw new MalformedBatchError(`tx ${i}: nonce above 2^64 - 2`)
    nonces.push(nonce)
  }
  const { refs: gasRefs, size: gasRefsSize } = readRefs(r, T, 1, 'gas-limit ref')
  const gasDict: bigint[] = []
  const gasSeen = new Set<bigint>()
  for (let k = gasRefsSize; k > 0; k--) {
    const g = r.uvarint('gas limit')
    if (gasSeen.has(g)) throw new MalformedBatchError('gas-limit dictionary repeats a value')
    gasSeen.add(g)
    gasDict.push(g)
  }
  // C7: 0 = creation, 1 = literal (C8), 2 = table entry (C8a), k ≥ 3 = dictionary entry k − 3
  const toRefs = new Int32Array(T)
  const toKinds = new Uint8Array(T) // per new dictionary entry: 1 literal, 2 table
  let toSize = 0
  let literals = 0
  for (let i = 0; i < T; i++) {
    const ref = r.uint('to ref', toSize + 2)
    if (ref === 0) toRefs[i] = -1
    else if (ref <= 2) {
      toKinds[toSize] = ref
      if (ref === 1) literals++
      toRefs[i] = toSize++
    } else toRefs[i] = ref - 3
  }
  const toLiterals = r.bytes(20 * literals, 'to addresses')
  const toDict: Address[] = []
  const toSeen = new Set<string>()
  let lit = 0
  for (let k = 0; k < toSize; k++) {
    let a: Address
    if (toKinds[k] === 1) {
      a = toHex(toLiterals.subarray(20 * lit, 20 * lit + 20)) as Address
      lit++
    } else {
      if (table.length === 0) throw new MalformedBatchError('to table ref with an empty table')
      a = table[r.uint('to table ref', table.length - 1)]!
    }
    if (toSeen.has(a)) throw new MalformedBatchError('address dictionary repeats a value')
    toSeen.add(a)
    toDict.push(a)
  }
  const tips = readDict(r, T, 'tip', U256_MAX)
  const capDeltas = readDict(r, T, 'fee-cap delta', ZIGZAG_U256_MAX)
  const exponents = r.bytes(T, 'value exponents')
  const values: bigint[] = []
  for (let i = 0; i < T; i++) {
    const e = exponents[i]!
    if (e > MAX_VALUE_EXPONENT) throw new MalformedBatchError(`tx ${i}: value exponent ${e}`)
    const m = r.uvarint('value mantissa', U256_MAX)
    if (m === 0n ? e !== 0 : m % 10n === 0n)
      throw new MalformedBatchError(`tx ${i}: value is not in canonical decimal form`)
    const v = m * pow10(e)
    if (v > U256_MAX) throw new MalformedBatchError(`tx ${i}: value above 2^256 - 1`)
    values.push(v)
  }
  const calldata = readCalldata(r, T, maxExpanded, table)
  const accessLists: AccessListItem[][] = []
  for (let i = 0; i < T; i++) {
    if (types[i] === 0) {
      accessLists.push([])
      continue
    }
    const items: AccessListItem[] = []
    const count = r.uint('access list length', Math.floor(r.remaining / 21))
    for (let k = 0; k < count; k++) {
      const address = toHex(r.bytes(20, 'access list address')) as Address
      const keyCount = r.uint('storage key count', Math.floor(r.remaining / 32))
      const storageKeys: Hex[] = []
      for (let j = 0; j < keyCount; j++) storageKeys.push(toHex(r.bytes(32, 'storage key')))
      items.push({ address, storageKeys })
    }
    accessLists.push(items)
  }
  r.end()

  const blocks: BatchBlock[] = []
  let i = 0
  for (let b = 0; b < n; b++) {
    const txs: SignedTx[] = []
    for (let k = 0; k < counts[b]!; k++, i++) {
      const type = types[i] as 0 | 1 | 2
      const tip = tips.values[tips.refs[i]!]!
      const capDelta = capDeltas.values[capDeltas.refs[i]!]!
      if (type !== 2 && capDelta !== 0n)
        throw new MalformedBatchError(`tx ${i}: type ${type} has a fee cap above its gas price`)
      const maxFee = tip + unzigzag(capDelta)
      if (maxFee < 0n || maxFee > U256_MAX)
        throw new MalformedBatchError(`tx ${i}: maxFeePerGas out of range`)
      const sWord = bytes32ToBigint(sigS, i * 32)
      const toRef = toRefs[i]!
      const data = calldata[i]!
      txs.push(
        rebuildTx(
          {
            type,
            chainId: header.chainId,
            nonce: nonces[i]!,
            gasLimit: gasDict[gasRefs[i]!]!,
            to: toRef < 0 ? null : toDict[toRef]!,
            value: values[i]!,
            data,
            gasPrice: maxFee,
            maxFeePerGas: maxFee,
            maxPriorityFeePerGas: tip,
            accessList: accessLists[i]!,
            yParity: sWord >= S_LIMIT ? 1 : 0,
            r: bytes32ToBigint(sigR, i * 32),
            s: sWord & (S_LIMIT - 1n),
          },
          i,
        ),
      )
    }
    blocks.push({
      number: header.firstBlock + BigInt(b),
      timestamp: timestamps[b]!,
      l1OriginNumber: origins[b]!,
      depositCursor: cursors[b]!,
      stateRoot: roots[b]!,
      txs,
    })
  }
  return blocks
}

function bytes32ToBigint(buf: Uint8Array, offset: number): bigint {
  return BigInt(`0x${Buffer.from(buf.buffer, buf.byteOffset + offset, 32).toString('hex')}`)
}

/** Decodes and validates a payload (spec §2–§3, §7). Throws BatchDecodeError subclasses. */
export function decodeBatch(payload: Uint8Array, opts: DecodeBatchOptions): Batch {
  const { header, contextHash, bodyLength, bodyOffset } = decodeHeader(payload, opts)
  const context = checkContext(contextHash, opts.context)
  const body = decompressBody(payload.subarray(bodyOffset), bodyLength)
  const max = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  return { header, blocks: decodeBody(body, header, max, context.table) }
}
