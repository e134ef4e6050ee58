import {
  type BatchHeader,
  equalBytes,
  fromHex,
  type SignedTx,
  serializeSignedTx,
} from '@lanes/core'
import { ByteWriter, S_LIMIT, U64_MAX, U256_MAX, uvarintLength, zigzag } from './bytes.js'
import { CalldataEncoder } from './calldata.js'
import { chooseBrotliQuality, compressBody } from './compress.js'
import { type BatchContext, EMPTY_BATCH_CONTEXT } from './context.js'
import { DictColumn } from './dict.js'
import { BatchEncodeError, BatchPostRootMismatchError } from './errors.js'
import { BATCH_VERSION, type Batch, type BatchBlock, type EncodeBatchOptions } from './types.js'
import { splitDecimal } from './value.js'

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new BatchEncodeError(message)
}

function checkU64(v: bigint, what: string): void {
  check(v >= 0n && v <= U64_MAX, `${what} must fit in u64, got ${v}`)
}

const ROOT = /^0x[0-9a-fA-F]{64}$/

function checkHeader(header: BatchHeader, blocks: BatchBlock[]): void {
  check(header.version === BATCH_VERSION, `header.version must be ${BATCH_VERSION}`)
  check(blocks.length > 0, 'a batch needs at least one block')
  for (const [k, v] of [
    ['chainId', header.chainId],
    ['batchIndex', header.batchIndex],
    ['firstBlock', header.firstBlock],
    ['lastBlock', header.lastBlock],
    ['l1OriginFirst', header.l1OriginFirst],
    ['l1OriginLast', header.l1OriginLast],
    ['depositCursorStart', header.depositCursorStart],
    ['depositCursorEnd', header.depositCursorEnd],
  ] as const)
    checkU64(v, `header.${k}`)
  check(
    header.lastBlock - header.firstBlock + 1n === BigInt(blocks.length),
    `header block range ${header.firstBlock}..${header.lastBlock} does not match ${blocks.length} blocks`,
  )
  check(header.l1OriginLast >= header.l1OriginFirst, 'l1OriginLast < l1OriginFirst')
  check(header.depositCursorEnd >= header.depositCursorStart, 'depositCursorEnd < start')
  for (const root of [header.parentStateRoot, header.postStateRoot])
    check(ROOT.test(root), `state root must be 32 bytes of hex, got ${root}`)
  let prev: BatchBlock | undefined
  for (const [i, b] of blocks.entries()) {
    check(b.number === header.firstBlock + BigInt(i), `block ${i} has number ${b.number}`)
    check(ROOT.test(b.stateRoot), `block ${b.number}: state root must be 32 bytes of hex`)
    checkU64(b.timestamp, 'timestamp')
    if (prev) {
      check(b.timestamp >= prev.timestamp, `block ${b.number}: timestamp goes back`)
      check(b.l1OriginNumber >= prev.l1OriginNumber, `block ${b.number}: L1 origin goes back`)
      check(b.depositCursor >= prev.depositCursor, `block ${b.number}: deposit cursor goes back`)
    }
    prev = b
  }
  check(blocks[0]!.l1OriginNumber === header.l1OriginFirst, 'first block L1 origin ≠ l1OriginFirst')
  check(prev!.l1OriginNumber === header.l1OriginLast, 'last block L1 origin ≠ l1OriginLast')
  check(
    blocks[0]!.depositCursor >= header.depositCursorStart,
    'first block deposit cursor < depositCursorStart',
  )
  check(prev!.depositCursor === header.depositCursorEnd, 'last block deposit cursor ≠ end')
  if (prev!.stateRoot.toLowerCase() !== header.postStateRoot.toLowerCase())
    throw new BatchPostRootMismatchError(prev!.number, prev!.stateRoot, header.postStateRoot)
}

function encodeTxColumns(
  columns: BatchColumn[],
  txs: SignedTx[],
  chainId: bigint,
  context: BatchContext,
): void {
  const T = txs.length
  const types = new Uint8Array(T)
  const sigR = new ByteWriter(T * 32 + 1)
  const sigS = new ByteWriter(T * 32 + 1)
  const nonces = new ByteWriter()
  const gasRefs = new DictColumn<bigint>(1)
  const gasValues = new ByteWriter()
  // C7: 0 = creation, 1 = literal (C8), 2 = table entry (C8a), k ≥ 3 = batch dictionary entry k − 3
  const toIndex = new Map<string, number>()
  const toRefs = new ByteWriter()
  const toValues = new ByteWriter()
  const toTable = new ByteWriter()
  const tipRefs = new DictColumn<bigint>(1)
  const tipValues = new ByteWriter()
  const capRefs = new DictColumn<bigint>(1)
  const capValues = new ByteWriter()
  const exponents = new Uint8Array(T)
  const mantissas = new ByteWriter()
  const calldata = new CalldataEncoder(context)
  const accessLists = new ByteWriter()
  const lastIndexOfNonce = new Map<bigint, number>()

  for (let i = 0; i < T; i++) {
    const tx = txs[i]!
    const where = `tx ${i} (${tx.hash})`
    check(tx.type === 0 || tx.type === 1 || tx.type === 2, `${where}: unsupported type ${tx.type}`)
    check(tx.chainId === chainId, `${where}: chain id ${tx.chainId} ≠ batch chain id ${chainId}`)
    check(tx.nonce >= 0n && tx.nonce < U64_MAX, `${where}: nonce out of range`)
    checkU64(tx.gasLimit, `${where}: gasLimit`)
    check(tx.value >= 0n && tx.value <= U256_MAX, `${where}: value out of range`)
    // s shares its word with the y-parity bit (EIP-2098): low-s keeps bit 255 free.
    check(tx.r > 0n && tx.r <= U256_MAX && tx.s > 0n && tx.s < S_LIMIT, `${where}: bad r/s`)
    check(tx.yParity === 0 || tx.yParity === 1, `${where}: bad y-parity`)
    check(tx.type !== 0 || tx.accessList.length === 0, `${where}: legacy tx with access list`)
    const maxFee = tx.type === 2 ? tx.maxFeePerGas : tx.gasPrice
    const tip = tx.type === 2 ? tx.maxPriorityFeePerGas : tx.gasPrice
    check(maxFee >= 0n && maxFee <= U256_MAX && tip >= 0n && tip <= U256_MAX, `${where}: fee range`)
    // The decoder rebuilds raw from the columns: a tx whose raw is not the canonical
    // serialization of its fields would come back with another hash.
    const raw = serializeSignedTx({
      ...tx,
      gasPrice: tx.gasPrice,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
    })
    check(equalBytes(raw, tx.raw), `${where}: raw bytes are not the canonical serialization`)

    types[i] = tx.type
    sigR.fixed(tx.r, 32)
    sigS.fixed(tx.yParity === 1 ? tx.s | S_LIMIT : tx.s, 32)

    const literal = tx.nonce * 2n
    let code = literal
    const prev = lastIndexOfNonce.get(tx.nonce - 1n)
    if (prev !== undefined) {
      const backRef = BigInt(i - prev) * 2n - 1n
      if (uvarintLength(backRef) < uvarintLength(literal)) code = backRef
    }
    nonces.uvarint(code)
    lastIndexOfNonce.set(tx.nonce, i)

    if (gasRefs.add(tx.gasLimit)) gasValues.uvarint(tx.gasLimit)
    if (tx.to === null) toRefs.uvarint(0)
    else {
      check(/^0x[0-9a-fA-F]{40}$/.test(tx.to), `${where}: bad to address`)
      const a = tx.to.toLowerCase()
      const at = toIndex.get(a)
      if (at !== undefined) toRefs.uvarint(at + 3)
      else {
        toIndex.set(a, toIndex.size)
        const t = context.index.get(a)
        if (t !== undefined) {
          toRefs.uvarint(2)
          toTable.uvarint(t)
        } else {
          toRefs.uvarint(1)
          toValues.bytes(fromHex(a))
        }
      }
    }
    // Tips take a handful of values; the cap over the tip follows the block's base fee.
    if (tipRefs.add(tip)) tipValues.uvarint(tip)
    const capDelta = zigzag(maxFee - tip)
    if (capRefs.add(capDelta)) capValues.uvarint(capDelta)
    const { mantissa, exponent } = splitDecimal(tx.value)
    exponents[i] = exponent
    mantissas.uvarint(mantissa)
    calldata.add(tx.data)
    if (tx.type !== 0) {
      accessLists.uvarint(tx.accessList.length)
      for (const item of tx.accessList) {
        accessLists.bytes(fromHex(item.address))
        accessLists.uvarint(item.storageKeys.length)
        for (const key of item.storageKeys) accessLists.bytes(fromHex(key))
      }
    }
  }
  columns.push(
    { name: 'C1 types', bytes: types },
    { name: 'C2 r', bytes: sigR.finish() },
    { name: 'C3 y-parity and s', bytes: sigS.finish() },
    { name: 'C4 nonces', bytes: nonces.finish() },
    { name: 'C5 gas-limit refs', bytes: gasRefs.refs.finish() },
    { name: 'C6 gas-limit values', bytes: gasValues.finish() },
    { name: 'C7 to refs', bytes: toRefs.finish() },
    { name: 'C8 to addresses', bytes: toValues.finish() },
    { name: 'C8a to table refs', bytes: toTable.finish() },
    { name: 'C9 tip refs', bytes: tipRefs.refs.finish() },
    { name: 'C10 tips', bytes: tipValues.finish() },
    { name: 'C11 fee-cap refs', bytes: capRefs.refs.finish() },
    { name: 'C12 fee-cap deltas', bytes: capValues.finish() },
    { name: 'C13 value exponents', bytes: exponents },
    { name: 'C14 value mantissas', bytes: mantissas.finish() },
    ...calldata.columns(),
    { name: 'C22 access lists', bytes: accessLists.finish() },
  )
}

export type BatchColumn = { name: string; bytes: Uint8Array }

/** The body's columns in order (spec §3), named: for size analysis in benchmarks. */
export function encodeBatchColumns(
  batch: Batch,
  context: BatchContext = EMPTY_BATCH_CONTEXT,
): BatchColumn[] {
  const { header, blocks } = batch
  checkHeader(header, blocks)
  const b1 = new ByteWriter()
  b1.uvarint(blocks[0]!.timestamp)
  for (let i = 1; i < blocks.length; i++)
    b1.uvarint(blocks[i]!.timestamp - blocks[i - 1]!.timestamp)
  const b2 = new ByteWriter()
  for (let i = 1; i < blocks.length; i++)
    b2.uvarint(blocks[i]!.l1OriginNumber - blocks[i - 1]!.l1OriginNumber)
  const b3 = new ByteWriter()
  let cursor = header.depositCursorStart
  for (const b of blocks) {
    b3.uvarint(b.depositCursor - cursor)
    cursor = b.depositCursor
  }
  const b4 = new ByteWriter()
  for (const b of blocks) b4.uvarint(b.txs.length)
  // the last block's root is header.postStateRoot (checked above): not repeated
  const b5 = new ByteWriter((blocks.length - 1) * 32 + 1)
  for (let i = 0; i < blocks.length - 1; i++) b5.bytes(fromHex(blocks[i]!.stateRoot))
  const columns: BatchColumn[] = [
    { name: 'B1 timestamps', bytes: b1.finish() },
    { name: 'B2 L1 origins', bytes: b2.finish() },
    { name: 'B3 deposit cursors', bytes: b3.finish() },
    { name: 'B4 tx counts', bytes: b4.finish() },
    { name: 'B5 state roots', bytes: b5.finish() },
  ]
  encodeTxColumns(
    columns,
    blocks.flatMap((b) => b.txs),
    header.chainId,
    context,
  )
  return columns
}

/** The uncompressed body (spec §3). */
export function encodeBatchBody(
  batch: Batch,
  context: BatchContext = EMPTY_BATCH_CONTEXT,
): Uint8Array {
  return concatColumns(encodeBatchColumns(batch, context))
}

function concatColumns(columns: BatchColumn[]): Uint8Array {
  const body = new ByteWriter(columns.reduce((n, c) => n + c.bytes.length, 0) + 1)
  for (const c of columns) body.bytes(c.bytes)
  return body.finish()
}

/** Whether the body resolves anything through the table (C8a or C21a is not empty). */
function usesTable(columns: BatchColumn[]): boolean {
  return columns.some(
    (c) => (c.name.startsWith('C8a') || c.name.startsWith('C21a')) && c.bytes.length > 0,
  )
}

/**
 * Encodes a batch into its payload: version ‖ header ‖ brotli(body) (spec §2), referencing
 * `opts.context` (the address table of its predecessors, §3.5; default: none). A batch that
 * finds none of its addresses in the table is written self-contained (its body is the same),
 * so decoding it needs no context.
 */
export function encodeBatch(batch: Batch, opts: EncodeBatchOptions = {}): Uint8Array {
  const columns = encodeBatchColumns(batch, opts.context ?? EMPTY_BATCH_CONTEXT)
  const context = usesTable(columns) ? opts.context! : EMPTY_BATCH_CONTEXT
  const body = concatColumns(columns)
  const { header } = batch
  const quality = opts.quality ?? chooseBrotliQuality(body.length, opts.timeBudgetMs)
  check(Number.isInteger(quality) && quality >= 0 && quality <= 11, 'quality must be 0..11')
  const out = new ByteWriter(256)
  out.byte(BATCH_VERSION)
  out.uvarint(header.chainId)
  out.uvarint(header.batchIndex)
  out.uvarint(header.firstBlock)
  out.uvarint(header.lastBlock - header.firstBlock)
  out.bytes(fromHex(header.parentStateRoot))
  out.bytes(fromHex(header.postStateRoot))
  out.uvarint(header.l1OriginFirst)
  out.uvarint(header.l1OriginLast - header.l1OriginFirst)
  out.uvarint(header.depositCursorStart)
  out.uvarint(header.depositCursorEnd - header.depositCursorStart)
  out.bytes(fromHex(context.hash))
  out.uvarint(body.length)
  out.bytes(compressBody(body, quality))
  return out.finish()
}
