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

/**
 * Builds the claim for an L2 withdrawal once the batch holding it is finalized on L1: reads the
 * WithdrawalInitiated event from the L2 receipt, finds the finalized batch covering its block
 * from the Rollup's BatchCommitted/BatchFinalized events, and asks the L2 node for the storage
 * proof of the store's `sent[hash]` slot at the batch's last block, checked against the root L1
 * finalized. Throws WithdrawalNotFinalizedError while it is too early.
 */
export async function getWithdrawalProof(
  p: GetWithdrawalProofParameters,
): Promise<WithdrawalProof> {
  const receipt = await p.l2.getTransactionReceipt({ hash: p.txHash })
  if (receipt.status !== 'success')
    throw new WithdrawalProofError(`L2 tx ${p.txHash} reverted: it recorded no withdrawal`)
  const events = parseEventLogs({
    abi: l2WithdrawalStoreAbi,
    eventName: 'WithdrawalInitiated',
    logs: receipt.logs.filter((l) => isAddressEqual(l.address, L2_WITHDRAWAL_STORE_ADDRESS)),
  })
  const ev = events[p.logIndex ?? 0]
  if (!ev) throw new WithdrawalProofError(`L2 tx ${p.txHash} has no WithdrawalInitiated event`)
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
  const block = receipt.blockNumber

  const fromBlock = p.rollupStartBlock ?? 0n
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
  // a reverted-and-recommitted index has several BatchCommitted events: the last one counts
  const ranges = new Map<bigint, { first: bigint; last: bigint; root: Hex }>()
  for (const e of committed) {
    const a = e.args
    if (a.batchIndex === undefined || a.firstBlock === undefined || a.lastBlock === undefined)
      continue
    ranges.set(a.batchIndex, { first: a.firstBlock, last: a.lastBlock, root: a.postStateRoot! })
  }
  let found: { index: bigint; last: bigint; root: Hex } | undefined
  for (const e of finalized) {
    const index = e.args.batchIndex
    if (index === undefined) continue
    const r = ranges.get(index)
    if (r && r.first <= block && block <= r.last && r.root === e.args.postStateRoot) {
      found = { index, last: r.last, root: r.root }
      break
    }
  }
  if (!found)
    throw new WithdrawalNotFinalizedError(
      `L2 block ${block} of withdrawal ${hash} is not in a finalized batch yet`,
    )

  const slot = withdrawalStorageSlot(hash)
  const res = await p.l2.request({
    method: 'eth_getProof',
    params: [L2_WITHDRAWAL_STORE_ADDRESS, [slot], `0x${found.last.toString(16)}`],
  })
  const sp = res.storageProof[0]
  const proof = sp?.proof[0]
  if (!sp || !proof) throw new WithdrawalProofError('eth_getProof returned no storage proof')
  if (BigInt(sp.value) !== 1n)
    throw new WithdrawalProofError(
      `sent[${hash}] is ${sp.value} at L2 block ${found.last}, expected 1`,
    )
  // storageHash is the state root on Lanes (storage leaves live in the one state tree)
  if (res.storageHash !== found.root)
    throw new WithdrawalProofError(
      `L2 node's state root at block ${found.last} is ${res.storageHash}, L1 finalized ${found.root}`,
    )
  return {
    batchIndex: found.index,
    withdrawal,
    withdrawalHash: hash,
    proof,
    l2BlockNumber: block,
    batchLastBlock: found.last,
    postStateRoot: found.root,
  }
}
