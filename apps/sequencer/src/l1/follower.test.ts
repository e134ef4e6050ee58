import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import { ANVIL_KEYS, type Anvil, startAnvil } from '@lanes/test/harness'
import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { L1Follower } from './follower.js'

const owner = privateKeyToAccount(ANVIL_KEYS[0])
const alice = privateKeyToAccount(ANVIL_KEYS[7]).address

describe('L1Follower against a real anvil', () => {
  let anvil: Anvil
  let pub: PublicClient
  let rollup: Hex
  let startBlock: bigint
  const wallet = () =>
    createWalletClient({
      account: owner,
      chain: foundry,
      transport: http(anvil.url, { timeout: 60_000 }),
    })
  const follower = (confirmations: bigint) =>
    new L1Follower({ rpcUrl: anvil.url, rollup, startBlock, confirmations, pollMs: 50 })
  const rpc = (method: string, params: unknown[]) =>
    fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  const deposit = async (eth: string) => {
    const hash = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositETH',
      args: [alice, 100_000n],
      value: parseEther(eth),
    })
    return waitForReceipt(pub, hash)
  }

  beforeAll(async () => {
    anvil = await startAnvil()
    pub = createPublicClient({ chain: foundry, transport: http(anvil.url) })
    const d = await deployRollup({
      walletClient: wallet(),
      publicClient: pub,
      genesisStateRoot: `0x${'11'.repeat(32)}`,
      l2ChainId: 42069,
      sequencer: owner.address,
      prover: owner.address,
      finalizationDelay: 0,
      inclusionWindow: 100,
    })
    rollup = d.rollup
    startBlock = d.blockNumber
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  it('offers confirmed deposits in queue order, up to the origin, and a monotonic origin', async () => {
    const f = follower(1n)
    expect(() => f.origin()).toThrow(/L1 origin unknown/)
    const r0 = await deposit('1')
    const r1 = await deposit('2')
    await f.sync()
    // one confirmation: the second deposit's block is the head, not yet confirmed
    expect(f.origin().number).toBe(r1.blockNumber - 1n)
    expect(f.deposits.due(0n, f.origin().number, 10).map((d) => d.mint)).toEqual([parseEther('1')])
    await rpc('anvil_mine', [1])
    await f.sync()
    const due = f.deposits.due(0n, f.origin().number, 10)
    expect(due.map((d) => [d.queueIndex, d.mint, d.l1BlockNumber])).toEqual([
      [0n, parseEther('1'), r0.blockNumber],
      [1n, parseEther('2'), r1.blockNumber],
    ])
    expect(f.deposits.due(1n, f.origin().number, 10)).toHaveLength(1)
    expect(f.deposits.due(0n, r0.blockNumber, 10)).toHaveLength(1)
    expect(f.deposits.due(0n, f.origin().number, 1)).toHaveLength(1)
    expect(f.origin().blobBaseFee).toBeGreaterThanOrEqual(1n)
  })

  it('forgets a deposit whose L1 block was reorged away until it is mined again', async () => {
    const f = follower(0n)
    await deposit('3')
    await f.sync()
    expect(f.queue.size).toBe(3)
    await rpc('anvil_reorg', [1, []]) // the block holding deposit 2 is replaced by an empty one
    await f.sync()
    expect(f.queue.get(2n)).toBeUndefined()
    await deposit('4')
    await f.sync()
    expect(f.queue.get(2n)?.mint).toBe(parseEther('4'))
  })

  it('reports the committed L2 head from the Rollup', async () => {
    const f = follower(0n)
    await f.sync()
    expect(f.batchHeads()).toEqual({ batched: 0n, committed: 0n, finalized: 0n })
    const queueHash = (await pub.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositQueueHashAt',
      args: [0n],
    })) as Hex
    const hash = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [
        {
          batchIndex: 0n,
          parentStateRoot: `0x${'11'.repeat(32)}`,
          postStateRoot: `0x${'22'.repeat(32)}`,
          firstBlock: 1n,
          lastBlock: 5n,
          depositCursor: 0n,
          depositQueueHash: queueHash,
        },
        '0x00',
      ],
    })
    await waitForReceipt(pub, hash)
    await f.sync()
    expect(f.batchHeads()).toMatchObject({ batched: 5n, committed: 5n, finalized: 0n })
    expect(f.l1Head()?.number).toBe(await pub.getBlockNumber())
  })

  it('reports the finalized L2 head only once the finalize tx has the confirmations', async () => {
    // batch 0 (blocks 1-5) was committed by the test before
    const f = follower(2n)
    const digest = (await pub.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'attestationDigest',
      args: [0n],
    })) as Hex
    const hash = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'finalizeBatch',
      args: [0n, await owner.signMessage({ message: { raw: digest } })],
    })
    expect((await waitForReceipt(pub, hash)).status).toBe('success')
    await f.sync()
    // finalized on L1's tip, which a reorg can still undo: not finalized for L2 yet
    expect(f.batchHeads()).toMatchObject({ batched: 5n, finalized: 0n })
    await rpc('anvil_mine', ['0x2'])
    await f.sync()
    expect(f.batchHeads()).toEqual({ batched: 5n, committed: 5n, finalized: 5n })
  })
})
