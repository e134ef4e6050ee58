import { rollupAbi } from '@lanes/contracts'
import {
  type Address,
  createPublicClient,
  decodeEventLog,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { anvilBlobSource, type BlobSource } from './blobs.js'

export type L1BlockRef = { number: bigint; hash: Hex; parentHash: Hex; timestamp: bigint }

export type BatchCommittedLog = {
  kind: 'BatchCommitted'
  batchIndex: bigint
  parentStateRoot: Hex
  postStateRoot: Hex
  firstBlock: bigint
  lastBlock: bigint
  depositCursor: bigint
  dataHash: Hex
  daMode: number
  blobHashes: readonly Hex[]
}
export type DepositQueuedLog = {
  kind: 'DepositQueued'
  index: bigint
  from: Address
  to: Address
  mint: bigint
  value: bigint
  gasLimit: bigint
  data: Hex
  queueHash: Hex
}
export type BatchesRevertedLog = { kind: 'BatchesReverted'; fromIndex: bigint; toIndex: bigint }
export type BatchFinalizedLog = { kind: 'BatchFinalized'; batchIndex: bigint; postStateRoot: Hex }

export type RollupLog = (
  | BatchCommittedLog
  | DepositQueuedLog
  | BatchesRevertedLog
  | BatchFinalizedLog
) & { blockNumber: bigint; blockHash: Hex; txHash: Hex; logIndex: number }

/** What derive needs from L1: a small interface so tests and other L1 clients can stand in. */
export interface DeriveL1 {
  readonly rollup: Address
  headNumber(): Promise<bigint>
  block(number: bigint): Promise<L1BlockRef>
  /** Rollup events in [from, to], in chain order; optionally only BatchCommitted for some indexes */
  logs(from: bigint, to: bigint, filter?: { batchIndexes?: bigint[] }): Promise<RollupLog[]>
  transactionInput(txHash: Hex): Promise<{ input: Hex; blobVersionedHashes: readonly Hex[] }>
  readonly blobSource: BlobSource
}

const batchCommittedEvent = rollupAbi.find(
  (x): x is Extract<(typeof rollupAbi)[number], { type: 'event'; name: 'BatchCommitted' }> =>
    x.type === 'event' && x.name === 'BatchCommitted',
)!

const WANTED = new Set(['BatchCommitted', 'DepositQueued', 'BatchesReverted', 'BatchFinalized'])

function toRollupLog(log: {
  data: Hex
  topics: [] | [Hex, ...Hex[]]
  blockNumber: bigint | null
  blockHash: Hex | null
  transactionHash: Hex | null
  logIndex: number | null
}): RollupLog | undefined {
  let decoded: ReturnType<typeof decodeEventLog<typeof rollupAbi>>
  try {
    decoded = decodeEventLog({ abi: rollupAbi, data: log.data, topics: log.topics })
  } catch {
    return undefined
  }
  if (!WANTED.has(decoded.eventName)) return undefined
  const at = {
    blockNumber: log.blockNumber ?? 0n,
    blockHash: log.blockHash ?? '0x',
    txHash: log.transactionHash ?? '0x',
    logIndex: log.logIndex ?? 0,
  }
  // biome-ignore lint/suspicious/noExplicitAny: narrowed by eventName just above
  const a = decoded.args as any
  switch (decoded.eventName) {
    case 'BatchCommitted':
      return { kind: 'BatchCommitted', ...a, ...at }
    case 'DepositQueued':
      return { kind: 'DepositQueued', ...a, ...at }
    case 'BatchesReverted':
      return { kind: 'BatchesReverted', ...a, ...at }
    case 'BatchFinalized':
      return {
        kind: 'BatchFinalized',
        batchIndex: a.batchIndex,
        postStateRoot: a.postStateRoot,
        ...at,
      }
    default:
      return undefined
  }
}

export type ViemDeriveL1Options = {
  rpcUrl: string
  rollup: Address
  /** defaults to anvil's blob API on the same RPC URL */
  blobSource?: BlobSource
  client?: PublicClient
}

/** DeriveL1 over a JSON-RPC L1 node through viem. */
export function viemDeriveL1(options: ViemDeriveL1Options): DeriveL1 {
  const client =
    options.client ?? createPublicClient({ transport: http(options.rpcUrl, { retryCount: 3 }) })
  const rollup = options.rollup
  return {
    rollup,
    blobSource: options.blobSource ?? anvilBlobSource(options.rpcUrl),
    headNumber: () => client.getBlockNumber({ cacheTime: 0 }),
    async block(number) {
      const b = await client.getBlock({ blockNumber: number })
      return { number: b.number, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp }
    },
    async logs(from, to, filter) {
      const raw = filter?.batchIndexes
        ? await client.getLogs({
            address: rollup,
            fromBlock: from,
            toBlock: to,
            event: batchCommittedEvent,
            args: { batchIndex: filter.batchIndexes },
          })
        : await client.getLogs({ address: rollup, fromBlock: from, toBlock: to })
      const out: RollupLog[] = []
      for (const l of raw) {
        const r = toRollupLog(l as Parameters<typeof toRollupLog>[0])
        if (r) out.push(r)
      }
      return out
    },
    async transactionInput(txHash) {
      const tx = await client.getTransaction({ hash: txHash })
      return { input: tx.input, blobVersionedHashes: tx.blobVersionedHashes ?? [] }
    },
  }
}
