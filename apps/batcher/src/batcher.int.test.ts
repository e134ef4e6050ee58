import {
  BatchContextChain,
  batchAddresses,
  decodeBatch,
  decodeBatchContextHash,
  EMPTY_BATCH_CONTEXT,
  fromBlobs,
} from '@lanes/batch-codec'
import { fromHex, type Hex, keccak256Hex } from '@lanes/core'
import { decodeFunctionData, parseEventLogs } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batcherRollupAbi } from './l1/rollup-abi.js'
import { type Env, startBatcherEnv, waitAllConfirmed } from './testing/batcher-env.js'
import { type L1Env, L2_CHAIN_ID, startL1Env } from './testing/l1-env.js'

async function committedBatches(l1: L1Env) {
  const logs = await l1.client.getLogs({ address: l1.rollup, fromBlock: 0n, toBlock: 'latest' })
  return parseEventLogs({ abi: batcherRollupAbi, logs, eventName: 'BatchCommitted' })
}

async function readBack(l1: L1Env, txHash: Hex, daMode: number): Promise<Uint8Array> {
  if (daMode === 0) {
    const tx = await l1.client.getTransaction({ hash: txHash })
    const { args } = decodeFunctionData({ abi: batcherRollupAbi, data: tx.input })
    return fromHex(args[1] as Hex)
  }
  const blobs = (await l1.rpc('anvil_getBlobsByTransactionHash', [txHash])) as Hex[]
  return fromBlobs(blobs.map((b) => fromHex(b)))
}

describe('batcher against anvil + Redis', () => {
  let l1: L1Env
  let env: Env
  beforeAll(async () => {
    l1 = await startL1Env({ blockTime: 1 })
    env = await startBatcherEnv(l1)
  })
  afterAll(async () => {
    await env?.cleanup()
    await l1?.anvil.stop()
  })

  it('posts calldata then blob batches that decode back to the sealed blocks', async () => {
    const { seq } = env
    for (let i = 0; i < 4; i++) await seq.sealBlock(5, 40)
    let s = await env.build({ daMode: 'calldata' })
    await s.start()
    await waitAllConfirmed(s, seq)
    await s.stop()
    for (let i = 0; i < 3; i++) await seq.sealBlock(8, 40)
    s = await env.build({ daMode: 'blobs' })
    await s.start()
    await waitAllConfirmed(s, seq)
    await s.stop()

    const events = await committedBatches(l1)
    expect(events.map((e) => e.args.batchIndex)).toEqual(events.map((_, i) => BigInt(i)))
    expect(events.at(-1)!.args.lastBlock).toBe(7n)
    const modes = new Set(events.map((e) => e.args.daMode))
    expect(modes).toEqual(new Set([0, 1]))
    let next = 1n
    // decoded as derive does: against the address lists of the batches before (codec §3.5)
    const contexts = new BatchContextChain()
    let withTable = 0
    for (const e of events) {
      const payload = await readBack(l1, e.transactionHash, e.args.daMode)
      const context = contexts.contextFor(e.args.batchIndex)
      const hash = decodeBatchContextHash(payload, { chainId: L2_CHAIN_ID })
      if (hash !== EMPTY_BATCH_CONTEXT.hash) {
        expect(hash).toBe(context.hash)
        withTable++
      }
      // a self-contained batch would decode the same with it: the context can always be given
      const batch = decodeBatch(payload, { chainId: L2_CHAIN_ID, context })
      contexts.set(e.args.batchIndex, batchAddresses(batch.blocks.flatMap((b) => b.txs)))
      expect(batch.header.firstBlock).toBe(next)
      for (const b of batch.blocks) {
        const sealed = seq.blocks[Number(b.number) - 1]!
        expect(b.stateRoot).toBe(sealed.header.stateRoot)
        // the decoded tx hashes are those of the sealed raw txs
        expect(b.txs.map((t) => t.hash)).toEqual(sealed.txs.map((raw) => keccak256Hex(raw)))
        expect(b.txs.map((t) => Buffer.from(t.raw).toString('hex'))).toEqual(
          sealed.txs.map((t) => Buffer.from(t).toString('hex')),
        )
      }
      expect(e.args.postStateRoot).toBe(seq.rootOf(e.args.lastBlock))
      next = e.args.lastBlock + 1n
    }
    // every block pays the same recipients: all but the first batch reference the table, also
    // the first after the restart (the batcher rebuilt it from SQLite and the blocks)
    expect(withTable).toBe(events.length - 1)
  }, 240_000)
})
