import {
  L2_WITHDRAWAL_STORE_ADDRESS,
  l2WithdrawalStoreAbi,
  rollupAbi,
  type Withdrawal,
  withdrawalHash,
  withdrawalStorageSlot,
} from '@lanes/contracts'
import { type Address, type Hex, isAddressEqual, type PublicClient, parseEventLogs } from 'viem'
import { DeriveError } from './errors.js'
import { type FinalizedBatch, FinalizedBatches } from './finalized-batches.js'

const batchCommittedEvent = rollupAbi.find(
  (x): x is Extract<(typeof rollupAbi)[number], { type: 'event'; name: 'BatchCommitted' }> =>
    x.type === 'event' && x.name === 'BatchCommitted',
)!
const batchFinalizedEvent = rollupAbi.find(
  (x): x is Extract<(typeof rollupAbi)[number], { type: 'event'; name: 'BatchFinalized' }> =>
    x.type === 'event' && x.name === 'BatchFinalized',
)!

/** Everything Rollup.proveAndClaimWithdrawal(batchIndex, withdrawal, proof) takes, and where from. */
export type WithdrawalProof = {
  batchIndex: bigint
  withdrawal: Withdrawal
  withdrawalHash: Hex
  /** packages/state-tree proof of `sent[hash] = 1` under the batch's post state root */
  proof: Hex
  /** the L2 block of the withdrawal tx and the last L2 block of the batch holding it */
  l2BlockNumber: bigint
  batchLastBlock: bigint
  postStateRoot: Hex
}

export type GetWithdrawalProofParameters = {
  /** L1 client (reads the Rollup contract's events) */
  l1: PublicClient
  /** L2 client of a Lanes node that serves eth_getProof at historical blocks */
  l2: PublicClient
  rollup: Address
  /** L1 block of the Rollup deployment: where event scans start */
  rollupStartBlock?: bigint
  /** the L2 tx that called L2WithdrawalStore.withdraw */
  txHash: Hex
  /** which WithdrawalInitiated of that tx (default 0) */
  logIndex?: number
}

/** The withdrawal's block is not inside a finalized batch yet: retry later. */
export class WithdrawalNotFinalizedError extends DeriveError {
  override name = 'WithdrawalNotFinalizedError'
}

export class WithdrawalProofError extends DeriveError {
  override name = 'WithdrawalProofError'
}

/**
 * The finalized batch whose L2 block range holds `l2Block`, from the Rollup's BatchCommitted and
 * BatchFinalized events (a reverted and re-committed index counts by its last commit, and only
 * when the finalized root is that commit's root); undefined while no finalized batch covers it.
 * Scans from `fromBlock` to the L1 head in ranges of `maxLogRange` blocks (providers cap
 * eth_getLogs ranges); a long-running node keeps a FinalizedBatches index instead.
 */
export async function findFinalizedBatch(p: {
  l1: PublicClient
  rollup: Address
  fromBlock?: bigint
  l2Block: bigint
  /** most L1 blocks per eth_getLogs call (default 10,000) */
  maxLogRange?: bigint
}): Promise<FinalizedBatch | undefined> {
  const index = new FinalizedBatches()
  const step = p.maxLogRange ?? 10_000n
  if (step < 1n) throw new RangeError('maxLogRange must be at least 1')
  const head = await p.l1.getBlockNumber()
  for (let from = p.fromBlock ?? 0n; from <= head; from += step) {
    const to = from + step - 1n < head ? from + step - 1n : head
    const logs = await p.l1.getLogs({
      address: p.rollup,
      events: [batchCommittedEvent, batchFinalizedEvent],
      fromBlock: from,
      toBlock: to,
      strict: true,
    })
    for (const log of logs) {
      if (log.eventName === 'BatchCommitted')
        index.apply({ kind: 'BatchCommitted', blockNumber: log.blockNumber, ...log.args })
      else index.apply({ kind: 'BatchFinalized', blockNumber: log.blockNumber, ...log.args })
    }
  }
  return index.find(p.l2Block)
}

/**
 * The `logIndex`-th withdrawal (WithdrawalInitiated of the L2WithdrawalStore predeploy) among
 * one tx's logs, with its hash checked; throws WithdrawalProofError when there is none.
 */
export function withdrawalFromLogs(
  logs: readonly { address: Address; topics: readonly Hex[]; data: Hex }[],
  txHash: Hex,
  logIndex = 0,
): { withdrawal: Withdrawal; withdrawalHash: Hex } {
  const events = parseEventLogs({
    abi: l2WithdrawalStoreAbi,
    eventName: 'WithdrawalInitiated',
    logs: logs
      .filter((l) => isAddressEqual(l.address, L2_WITHDRAWAL_STORE_ADDRESS))
      .map((l) => ({ ...l, topics: [...l.topics] as [Hex, ...Hex[]] }))
      .map(asRpcLog),
  })
  const ev = events[logIndex]
  if (!ev)
    throw new WithdrawalProofError(`L2 tx ${txHash} has no WithdrawalInitiated event #${logIndex}`)
  const withdrawal: Withdrawal = {
    nonce: ev.args.nonce,
    sender: ev.args.sender,
    l1Recipient: ev.args.l1Recipient,
    value: ev.args.value,
    data: ev.args.data,
  }
  const hash = withdrawalHash(withdrawal)
  if (hash !== ev.args.withdrawalHash)
    throw new WithdrawalProofError(
      `withdrawal hash mismatch: event says ${ev.args.withdrawalHash}, computed ${hash}`,
    )
  return { withdrawal, withdrawalHash: hash }
}

// parseEventLogs wants RPC-shaped logs; only address/topics/data matter for decoding
function asRpcLog(l: { address: Address; topics: [Hex, ...Hex[]]; data: Hex }) {
  return {
    ...l,
    blockHash: null,
    blockNumber: null,
    logIndex: null,
    transactionHash: null,
    transactionIndex: null,
    removed: false,
  }
}

/**
 * Builds the claim for an L2 withdrawal once the batch holding it is finalized on L1: reads the
 * WithdrawalInitiated event from the L2 receipt, finds the finalized batch covering its block
 * from the Rollup's BatchCommitted/BatchFinalized events, and asks the L2 node for the storage
 * proof of the store's `sent[hash]` slot at the batch's last block, checked against the root L1
 * finalized. Throws WithdrawalNotFinalizedError while it is too early. (A Lanes node answers the
 * same with one call: `lanes_getWithdrawalProof`.)
 */
export async function getWithdrawalProof(
  p: GetWithdrawalProofParameters,
): Promise<WithdrawalProof> {
  const receipt = await p.l2.getTransactionReceipt({ hash: p.txHash })
  if (receipt.status !== 'success')
    throw new WithdrawalProofError(`L2 tx ${p.txHash} reverted: it recorded no withdrawal`)
  const { withdrawal, withdrawalHash: hash } = withdrawalFromLogs(
    receipt.logs,
    p.txHash,
    p.logIndex,
  )
  const block = receipt.blockNumber
  const found = await findFinalizedBatch({
    l1: p.l1,
    rollup: p.rollup,
    l2Block: block,
    ...(p.rollupStartBlock === undefined ? {} : { fromBlock: p.rollupStartBlock }),
  })
  if (!found)
    throw new WithdrawalNotFinalizedError(
      `L2 block ${block} of withdrawal ${hash} is not in a finalized batch yet`,
    )

  const slot = withdrawalStorageSlot(hash)
  const res = await p.l2.request({
    method: 'eth_getProof',
    params: [L2_WITHDRAWAL_STORE_ADDRESS, [slot], `0x${found.lastBlock.toString(16)}`],
  })
  const sp = res.storageProof[0]
  const proof = sp?.proof[0]
  if (!sp || !proof) throw new WithdrawalProofError('eth_getProof returned no storage proof')
  if (BigInt(sp.value) !== 1n)
    throw new WithdrawalProofError(
      `sent[${hash}] is ${sp.value} at L2 block ${found.lastBlock}, expected 1`,
    )
  // storageHash is the state root on Lanes (storage leaves live in the one state tree)
  if (res.storageHash !== found.root)
    throw new WithdrawalProofError(
      `L2 node's state root at block ${found.lastBlock} is ${res.storageHash}, L1 finalized ${found.root}`,
    )
  return {
    batchIndex: found.index,
    withdrawal,
    withdrawalHash: hash,
    proof,
    l2BlockNumber: block,
    batchLastBlock: found.lastBlock,
    postStateRoot: found.root,
  }
}
