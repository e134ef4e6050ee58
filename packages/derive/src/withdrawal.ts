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

/** A batch finalized on L1, as proveAndClaimWithdrawal takes it. */
export type FinalizedBatch = { index: bigint; firstBlock: bigint; lastBlock: bigint; root: Hex }

/**
 * The finalized batch whose L2 block range holds `l2Block`, from the Rollup's BatchCommitted and
 * BatchFinalized events (a reverted and re-committed index counts by its last commit, and only
 * when the finalized root is that commit's root); undefined while no finalized batch covers it.
 */
export async function findFinalizedBatch(p: {
  l1: PublicClient
  rollup: Address
  fromBlock?: bigint
  l2Block: bigint
}): Promise<FinalizedBatch | undefined> {
  const fromBlock = p.fromBlock ?? 0n
  const [committed, finalized] = await Promise.all([
    p.l1.getContractEvents({
      address: p.rollup,
      abi: rollupAbi,
      eventName: 'BatchCommitted',
      fromBlock,
    }),
    p.l1.getContractEvents({
      address: p.rollup,
      abi: rollupAbi,
      eventName: 'BatchFinalized',
      fromBlock,
    }),
  ])
  const ranges = new Map<bigint, { first: bigint; last: bigint; root: Hex }>()
  for (const e of committed) {
    const a = e.args
    if (a.batchIndex === undefined || a.firstBlock === undefined || a.lastBlock === undefined)
      continue
    if (a.postStateRoot === undefined) continue
    ranges.set(a.batchIndex, { first: a.firstBlock, last: a.lastBlock, root: a.postStateRoot })
  }
  for (const e of finalized) {
    const index = e.args.batchIndex
    if (index === undefined) continue
    const r = ranges.get(index)
    if (r && r.first <= p.l2Block && p.l2Block <= r.last && r.root === e.args.postStateRoot)
      return { index, firstBlock: r.first, lastBlock: r.last, root: r.root }
  }
  return undefined
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
