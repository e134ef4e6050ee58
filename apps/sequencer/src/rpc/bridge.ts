import { L2_WITHDRAWAL_STORE_ADDRESS, withdrawalStorageSlot } from '@lanes/contracts'
import { type Hex, toQuantity } from '@lanes/core'
import { type FinalizedBatch, WithdrawalProofError, withdrawalFromLogs } from '@lanes/derive'
import type { RpcContext } from './context.js'
import { method } from './dispatcher.js'
import { methodNotFound, serverError } from './errors.js'
import { Hash, Uint64 } from './schemas.js'

/** Where the RPC learns which finalized batch holds an L2 block (the L1 Rollup's events). */
export type FinalizedBatchFinder = (l2Block: bigint) => Promise<FinalizedBatch | undefined>

export const bridgeMethods = {
  /**
   * Everything Rollup.proveAndClaimWithdrawal needs for the withdrawal recorded by L2 tx
   * `txHash` (the `logIndex`-th one of that tx, default 0): null for an unknown or pending tx;
   * -32000 "withdrawal not finalized yet ..." until a finalized batch holds its block.
   */
  lanes_getWithdrawalProof: method([Hash, Uint64], 1, async ([h, i], ctx: RpcContext) => {
    if (!ctx.finalizedBatchOf) throw methodNotFound('lanes_getWithdrawalProof')
    const txHash = h!.toLowerCase() as Hex
    const r = ctx.node.getReceipt(txHash)
    if (!r) return null
    if (r.receipt.status !== 1)
      throw serverError(`transaction ${txHash} reverted: it recorded no withdrawal`)
    const logIndex = i === undefined ? 0 : Number(BigInt(i))
    let found: ReturnType<typeof withdrawalFromLogs>
    try {
      found = withdrawalFromLogs(r.receipt.logs, txHash, logIndex)
    } catch (error) {
      if (error instanceof WithdrawalProofError) throw serverError(error.message)
      throw error
    }
    const block = r.location.blockNumber
    const batch = await ctx.finalizedBatchOf(block)
    if (!batch)
      throw serverError(
        `withdrawal not finalized yet: L2 block ${block} is not in a finalized batch`,
      )
    const slot = withdrawalStorageSlot(found.withdrawalHash)
    const p = await ctx.node.proof(L2_WITHDRAWAL_STORE_ADDRESS, [slot], batch.lastBlock)
    const sp = p.storageProof[0]
    if (sp?.value !== 1n)
      throw serverError(
        `withdrawal ${found.withdrawalHash} is not recorded at L2 block ${batch.lastBlock}`,
      )
    // L1 finalized a different root than this node sealed: never hand out a proof for it
    if (p.stateRoot !== batch.root)
      throw serverError(
        `state root mismatch at L2 block ${batch.lastBlock}: node has ${p.stateRoot}, L1 finalized ${batch.root}`,
      )
    const w = found.withdrawal
    return {
      batchIndex: toQuantity(batch.index),
      withdrawal: {
        nonce: toQuantity(w.nonce),
        sender: w.sender,
        l1Recipient: w.l1Recipient,
        value: toQuantity(w.value),
        data: w.data,
      },
      withdrawalHash: found.withdrawalHash,
      proof: sp.proof,
      l2BlockNumber: toQuantity(block),
      batchLastBlock: toQuantity(batch.lastBlock),
      postStateRoot: batch.root,
    }
  }),
}
