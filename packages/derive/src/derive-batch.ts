import {
  type Batch,
  type BatchContext,
  BatchContextRequiredError,
  decodeBatch,
  decodeBatchContextHash,
  EMPTY_BATCH_CONTEXT,
  fromBlobs,
} from '@lanes/batch-codec'
import { rollupAbi } from '@lanes/contracts'
import {
  type BatchHeader,
  type DepositTx,
  type RecoveredTx,
  recoverSender,
  type SignedTx,
} from '@lanes/core'
import { concat, decodeFunctionData, type Hex, hexToBytes, keccak256 } from 'viem'
import type { DepositQueue } from './deposits.js'
import {
  BatchDataMismatchError,
  type BatchLocation,
  BlobUnavailableError,
  InvalidBatchError,
  MissingDepositError,
} from './errors.js'
import { blobVersionedHash } from './kzg.js'
import type { BatchCommittedLog, DeriveL1, RollupLog } from './l1.js'

export type DerivedBlock = {
  number: bigint
  timestamp: bigint
  l1OriginNumber: bigint
  depositCursor: bigint
  /** state root after this block as committed (the last one is header.postStateRoot) */
  stateRoot: Hex
  /** L1 deposits this block must include first, in queue order */
  deposits: DepositTx[]
  /** user transactions with recovered senders, in block order */
  txs: RecoveredTx[]
}

export type DerivedBatch = {
  index: bigint
  header: BatchHeader
  blocks: DerivedBlock[]
  commitment: BatchCommittedLog
  l1: BatchLocation & { blockHash: Hex; logIndex: number }
  daMode: 'calldata' | 'blobs'
  /** bytes posted to L1 (the batch payload) */
  payloadBytes: number
}

export type DeriveBatchOptions = {
  chainId: bigint
  deposits: DepositQueue
  /** sender recovery for many txs at once (e.g. a SenderRecoveryPool); default: one by one */
  recoverSenders?: (txs: SignedTx[]) => Promise<readonly Hex[]>
  maxDecompressedBytes?: number
  /**
   * The address table of batch `index` (batch-codec README §3.5), built from the canonical
   * batches before it; asked only for batches whose header names a non-empty table. The
   * follower passes its BatchContextChain. Without it such a batch is an InvalidBatchError
   * whose cause is BatchContextRequiredError.
   */
  contextFor?: (batchIndex: bigint) => BatchContext
}

async function fetchPayload(
  l1: DeriveL1,
  log: BatchCommittedLog & RollupLog,
  at: BatchLocation,
): Promise<Uint8Array> {
  if (log.daMode === 0) {
    const { input } = await l1.transactionInput(log.txHash)
    let data: Hex
    try {
      const call = decodeFunctionData({ abi: rollupAbi, data: input })
      if (call.functionName !== 'commitBatch') throw new Error(`tx calls ${call.functionName}`)
      data = call.args[1] as Hex
    } catch (cause) {
      throw new BatchDataMismatchError(at, 'the L1 tx is not a direct commitBatch call', { cause })
    }
    if (keccak256(data) !== log.dataHash)
      throw new BatchDataMismatchError(at, `keccak256(calldata) != dataHash ${log.dataHash}`)
    return hexToBytes(data)
  }
  if (log.daMode !== 1) throw new BatchDataMismatchError(at, `unknown DA mode ${log.daMode}`)
  const wanted = log.blobHashes
  if (wanted.length === 0 || keccak256(concat([...wanted])) !== log.dataHash)
    throw new BatchDataMismatchError(at, 'blob versioned hashes do not hash to dataHash')
  let fetched: Uint8Array[]
  try {
    fetched = await l1.blobSource.blobs({
      txHash: log.txHash,
      blockNumber: log.blockNumber,
      versionedHashes: wanted,
    })
  } catch (cause) {
    throw new BlobUnavailableError(at, (cause as Error).message, { cause })
  }
  // Sources may return blobs in block order or filtered: match each by its own KZG commitment.
  const byHash = new Map<Hex, Uint8Array>()
  for (const blob of fetched) byHash.set(await blobVersionedHash(blob), blob)
  const ordered: Uint8Array[] = []
  for (const h of wanted) {
    const blob = byHash.get(h)
    if (!blob) throw new BlobUnavailableError(at, `no fetched blob has versioned hash ${h}`)
    ordered.push(blob)
  }
  try {
    return fromBlobs(ordered)
  } catch (cause) {
    throw new InvalidBatchError(at, `blob packing: ${(cause as Error).message}`, { cause })
  }
}

function checkHeader(h: BatchHeader, c: BatchCommittedLog, at: BatchLocation): void {
  const diffs: string[] = []
  if (h.batchIndex !== c.batchIndex) diffs.push(`index ${h.batchIndex} != ${c.batchIndex}`)
  if (h.parentStateRoot !== c.parentStateRoot) diffs.push('parent state root')
  if (h.postStateRoot !== c.postStateRoot) diffs.push('post state root')
  if (h.firstBlock !== c.firstBlock || h.lastBlock !== c.lastBlock)
    diffs.push(`blocks ${h.firstBlock}..${h.lastBlock} != ${c.firstBlock}..${c.lastBlock}`)
  if (h.depositCursorEnd !== c.depositCursor)
    diffs.push(`deposit cursor ${h.depositCursorEnd} != ${c.depositCursor}`)
  if (diffs.length)
    throw new InvalidBatchError(at, `header disagrees with commitment: ${diffs.join(', ')}`)
}

/** Fetch one committed batch's data from L1, check it against the commitment, decode it. */
export async function deriveBatch(
  l1: DeriveL1,
  log: BatchCommittedLog & RollupLog,
  options: DeriveBatchOptions,
): Promise<DerivedBatch> {
  const at: BatchLocation = {
    batchIndex: log.batchIndex,
    l1TxHash: log.txHash,
    l1BlockNumber: log.blockNumber,
  }
  const payload = await fetchPayload(l1, log, at)
  let batch: Batch
  try {
    const opts = {
      chainId: options.chainId,
      ...(options.maxDecompressedBytes
        ? { maxDecompressedBytes: options.maxDecompressedBytes }
        : {}),
    }
    // A batch committed after an invalid or unknown predecessor has no context to decode
    // against: it is refused like any other undecodable batch (the chain must be reverted).
    const hash = decodeBatchContextHash(payload, opts)
    let context: BatchContext | undefined
    if (hash !== EMPTY_BATCH_CONTEXT.hash) {
      if (!options.contextFor) throw new BatchContextRequiredError(hash)
      context = options.contextFor(log.batchIndex)
    }
    batch = decodeBatch(payload, { ...opts, ...(context ? { context } : {}) })
  } catch (cause) {
    throw new InvalidBatchError(at, (cause as Error).message, { cause })
  }
  checkHeader(batch.header, log, at)

  const allTxs = batch.blocks.flatMap((b) => b.txs)
  let senders: readonly Hex[]
  try {
    senders = options.recoverSenders
      ? await options.recoverSenders(allTxs)
      : allTxs.map((tx) => recoverSender(tx))
  } catch (cause) {
    throw new InvalidBatchError(at, `sender recovery: ${(cause as Error).message}`, { cause })
  }

  let cursor = batch.header.depositCursorStart
  let k = 0
  const blocks: DerivedBlock[] = []
  for (const b of batch.blocks) {
    let deposits: DepositTx[]
    try {
      deposits = options.deposits.range(cursor, b.depositCursor)
    } catch (cause) {
      if (cause instanceof MissingDepositError)
        throw new InvalidBatchError(at, cause.shortMessage, { cause })
      throw cause
    }
    cursor = b.depositCursor
    const txs = b.txs.map((tx) => ({ ...tx, from: senders[k++]! }) as RecoveredTx)
    blocks.push({
      number: b.number,
      timestamp: b.timestamp,
      l1OriginNumber: b.l1OriginNumber,
      depositCursor: b.depositCursor,
      stateRoot: b.stateRoot,
      deposits,
      txs,
    })
  }
  return {
    index: log.batchIndex,
    header: batch.header,
    blocks,
    commitment: log,
    l1: { ...at, blockHash: log.blockHash, logIndex: log.logIndex },
    daMode: log.daMode === 0 ? 'calldata' : 'blobs',
    payloadBytes: payload.length,
  }
}
