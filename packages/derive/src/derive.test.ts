import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BATCH_VERSION,
  BatchContextUnavailableError,
  batchAddresses,
  buildBatchContext,
  encodeBatch,
  toBlobs,
} from '@lanes/batch-codec'
import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import { type BatchHeader, decodeTransaction, type SignedTx } from '@lanes/core'
import { ANVIL_KEYS, type Anvil, startAnvil } from '@lanes/test/harness'
import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  type Hex,
  hexToBytes,
  http,
  type PublicClient,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilBlobSource, beaconBlobSource } from './blobs.js'
import { runCli } from './cli.js'
import { type FollowerEvent, RollupFollower } from './follower.js'
import { loadKzg } from './kzg.js'
import { type DeriveL1, viemDeriveL1 } from './l1.js'
import { scanRollup } from './scan.js'
import { ScanStore } from './scan-store.js'

const L2_CHAIN_ID = 42069n
const root = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const owner = privateKeyToAccount(ANVIL_KEYS[0])
const user = privateKeyToAccount(ANVIL_KEYS[3])

async function signedTxs(count: number, nonce0: number): Promise<SignedTx[]> {
  const out: SignedTx[] = []
  for (let i = 0; i < count; i++) {
    const raw = await user.signTransaction({
      chainId: Number(L2_CHAIN_ID),
      type: 'eip1559',
      nonce: nonce0 + i,
      to: privateKeyToAccount(ANVIL_KEYS[4]).address,
      value: BigInt(i + 1),
      gas: 21_000n,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    })
    out.push(decodeTransaction(hexToBytes(raw), { chainId: L2_CHAIN_ID }))
  }
  return out
}

describe('derive from a real anvil', () => {
  let anvil: Anvil
  let pub: PublicClient
  let rollup: Hex
  let startBlock: bigint
  let l1: DeriveL1
  const wallet = () =>
    createWalletClient({
      account: owner,
      chain: foundry,
      transport: http(anvil.url, { timeout: 60_000 }),
    })
  let queueHash: Hex = root(0)

  beforeAll(async () => {
    anvil = await startAnvil()
    pub = createPublicClient({ chain: foundry, transport: http(anvil.url, { timeout: 60_000 }) })
    const d = await deployRollup({
      walletClient: wallet(),
      publicClient: pub,
      genesisStateRoot: root(1),
      l2ChainId: L2_CHAIN_ID,
      sequencer: owner.address,
      prover: owner.address,
      finalizationDelay: 0,
      inclusionWindow: 1000,
    })
    rollup = d.rollup
    startBlock = d.blockNumber
    l1 = viemDeriveL1({ rpcUrl: anvil.url, rollup })
    const dep = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositETH',
      args: [user.address, 100_000n],
      value: parseEther('1'),
    })
    await waitForReceipt(pub, dep)
    queueHash = (await pub.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositQueueHashAt',
      args: [1n],
    })) as Hex
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  const header = (
    index: bigint,
    first: bigint,
    last: bigint,
    parent: Hex,
    post: Hex,
    c0: bigint,
    c1: bigint,
    origin = 1n,
  ): BatchHeader => ({
    version: BATCH_VERSION,
    chainId: L2_CHAIN_ID,
    batchIndex: index,
    firstBlock: first,
    lastBlock: last,
    parentStateRoot: parent,
    postStateRoot: post,
    l1OriginFirst: origin,
    l1OriginLast: origin,
    depositCursorStart: c0,
    depositCursorEnd: c1,
  })

  const commitment = (h: BatchHeader, qh: Hex) => ({
    batchIndex: h.batchIndex,
    parentStateRoot: h.parentStateRoot,
    postStateRoot: h.postStateRoot,
    firstBlock: h.firstBlock,
    lastBlock: h.lastBlock,
    depositCursor: h.depositCursorEnd,
    depositQueueHash: qh,
  })

  const drain = async (f: RollupFollower) => {
    const all: FollowerEvent[] = []
    for (let i = 0; i < 5; i++) all.push(...(await f.step()))
    return all
  }

  it('derives a calldata batch and a blob batch with deposits and senders', async () => {
    const txs = await signedTxs(5, 0)
    const h0 = header(0n, 1n, 2n, root(1), root(2), 0n, 1n)
    const p0 = encodeBatch({
      header: h0,
      blocks: [
        {
          number: 1n,
          timestamp: 100n,
          l1OriginNumber: 1n,
          depositCursor: 1n,
          stateRoot: root(12),
          txs: txs.slice(0, 2),
        },
        {
          number: 2n,
          timestamp: 101n,
          l1OriginNumber: 1n,
          depositCursor: 1n,
          stateRoot: root(2),
          txs: txs.slice(2),
        },
      ],
    })
    const c0 = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [commitment(h0, queueHash), bytesToHex(p0)],
    })
    await waitForReceipt(pub, c0)

    const txs1 = await signedTxs(3, 5)
    const h1 = header(1n, 3n, 3n, root(2), root(3), 1n, 1n, 2n)
    // batch 1 names its recipient through the address table of batch 0 (codec README §3.5)
    const context = buildBatchContext([batchAddresses(txs)])
    const p1 = encodeBatch(
      {
        header: h1,
        blocks: [
          {
            number: 3n,
            timestamp: 102n,
            l1OriginNumber: 2n,
            depositCursor: 1n,
            stateRoot: root(3),
            txs: txs1,
          },
        ],
      },
      { context },
    )
    const c1 = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatchBlobs',
      args: [commitment(h1, queueHash), 1n],
      blobs: toBlobs(p1).map((b) => bytesToHex(b)),
      kzg: await loadKzg(),
      maxFeePerBlobGas: 10n ** 10n,
    })
    const r1 = await waitForReceipt(pub, c1)

    const follower = new RollupFollower(l1, { chainId: L2_CHAIN_ID, startBlock, confirmations: 0n })
    const batches = (await drain(follower)).filter((e) => e.type === 'batch')
    expect(batches.map((e) => e.batch.index)).toEqual([0n, 1n])
    const ckpt = follower.checkpoint()
    expect(ckpt.contexts?.map((e) => e.index)).toEqual([0n, 1n])

    // resumed before batch 1: the checkpoint's address lists decode it; without them it is refused
    const resume = (contexts: typeof ckpt.contexts) =>
      new RollupFollower(l1, {
        chainId: L2_CHAIN_ID,
        startBlock,
        confirmations: 0n,
        checkpoint: { nextL1Block: r1.blockNumber, recent: [], ...(contexts ? { contexts } : {}) },
      })
    const resumed = (await drain(resume(ckpt.contexts!.slice(0, 1)))).filter(
      (e) => e.type === 'batch',
    )
    expect(resumed.map((e) => e.batch.blocks[0]!.txs.map((t) => t.hash))).toEqual([
      txs1.map((t) => t.hash),
    ])
    const refused = (await drain(resume(undefined))).find((e) => e.type === 'invalid')
    expect(refused?.type === 'invalid' && refused.error.cause).toBeInstanceOf(
      BatchContextUnavailableError,
    )
    const [b0, b1] = batches.map((e) => e.batch)
    expect(b0!.daMode).toBe('calldata')
    expect(b0!.blocks[0]!.deposits.map((d) => d.queueIndex)).toEqual([0n])
    expect(b0!.blocks[0]!.deposits[0]!.mint).toBe(parseEther('1'))
    expect(b0!.blocks[1]!.deposits).toEqual([])
    expect(b0!.blocks.map((b) => b.stateRoot)).toEqual([root(12), root(2)])
    expect(b0!.blocks.flatMap((b) => b.txs.map((t) => t.hash))).toEqual(txs.map((t) => t.hash))
    expect(b0!.blocks[0]!.txs[0]!.from).toBe(user.address.toLowerCase())
    expect(b0!.l1.l1TxHash).toBe(c0)
    expect(b1!.daMode).toBe('blobs')
    expect(b1!.blocks[0]!.txs.map((t) => t.hash)).toEqual(txs1.map((t) => t.hash))

    // the beacon route gives the same blob batch
    const beacon = viemDeriveL1({
      rpcUrl: anvil.url,
      rollup,
      blobSource: beaconBlobSource({ url: anvil.url, blockId: (b) => b.number.toString() }),
    })
    const viaBeacon = new RollupFollower(beacon, {
      chainId: L2_CHAIN_ID,
      startBlock,
      confirmations: 0n,
    })
    const again = (await drain(viaBeacon)).filter((e) => e.type === 'batch')
    expect(again.map((e) => e.batch.blocks.flatMap((b) => b.txs.map((t) => t.hash)))).toEqual(
      batches.map((e) => e.batch.blocks.flatMap((b) => b.txs.map((t) => t.hash))),
    )
    expect(anvilBlobSource).toBeTypeOf('function')
    // four followers read the blob batch (each computes its KZG commitment in wasm): minutes on
    // a loaded 2-core machine
  }, 240_000)

  it('lanes-derive lists batches, shows one, and finds the batch of an L2 tx', async () => {
    const lines: string[] = []
    const errs: string[] = []
    const io = { out: (x: string) => lines.push(x), err: (x: string) => errs.push(x), isTTY: false }
    const cache = mkdtempSync(join(tmpdir(), 'lanes-derive-cache-'))
    const base = [
      '--cache',
      cache,
      '--rpc',
      anvil.url,
      '--rollup',
      rollup,
      '--start-block',
      String(startBlock),
      '--chain-id',
      String(L2_CHAIN_ID),
    ]
    expect(await runCli([...base, '--json', 'batches'], io)).toBe(0)
    const listed = JSON.parse(lines.pop()!) as {
      batches: Array<{ index: string; da: string; txs: number }>
    }
    expect(listed.batches.map((b) => [b.index, b.da, b.txs])).toEqual([
      ['0', 'calldata', 5],
      ['1', 'blobs', 3],
    ])
    const allLogs = await l1.logs(startBlock, await pub.getBlockNumber())
    const b1 = allLogs.find((l) => l.kind === 'BatchCommitted' && l.batchIndex === 1n)!
    const txHash = (await signedTxs(1, 5))[0]!.hash
    expect(await runCli([...base, '--json', 'tx', txHash], io)).toBe(0)
    const found = JSON.parse(lines.pop()!) as { batch: string; l1Tx: string; l2Block: string }
    expect(found).toMatchObject({ batch: '1', l1Tx: b1.txHash, l2Block: '3' })
    expect(await runCli([...base, 'batch', '0'], io)).toBe(0)
    expect(lines.pop()).toContain('deposit')
    expect(await runCli([...base, 'tx', `0x${'11'.repeat(32)}`], io)).toBe(1)
    expect(errs.pop()).toContain('is in no committed batch')
    // the installed bin, as an integrator runs it
    const bin = fileURLToPath(new URL('../bin/lanes-derive.mjs', import.meta.url))
    const r = spawnSync(process.execPath, [bin, ...base, 'batches'], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/index\s+blocks\s+txs/)
    // without the cache: the same answers, read from L1 again
    const fresh = spawnSync(
      process.execPath,
      [bin, ...base, '--no-cache', '--json', 'batch', '1'],
      {
        encoding: 'utf8',
      },
    )
    expect(fresh.status).toBe(0)
    expect(await runCli([...base, '--json', 'batch', '1'], io)).toBe(0)
    expect(JSON.parse(fresh.stdout)).toEqual(JSON.parse(lines.pop()!))
    rmSync(cache, { recursive: true, force: true })
  })

  it('a scan resumes from the checkpoint in its store: no batch is derived twice', async () => {
    let derived = 0
    const counted: DeriveL1 = {
      ...l1,
      transactionInput: (hash) => {
        derived++
        return l1.transactionInput(hash)
      },
    }
    const identity = {
      l1GenesisHash: (await l1.block(0n)).hash,
      rollup,
      startBlock,
      chainId: L2_CHAIN_ID,
    }
    const store = new ScanStore(':memory:', identity)
    const options = { chainId: L2_CHAIN_ID, startBlock, confirmations: 0n }
    const head = await scanRollup(counted, store, options)
    expect(store.batches().map((b) => b.index)).toEqual(['0', '1'])
    const reads = derived // the calldata batch's L1 tx input
    expect(reads).toBeGreaterThan(0)
    expect(store.checkpoint()?.nextL1Block).toBe(head + 1n)
    expect(await scanRollup(counted, store, options)).toBe(head)
    expect(derived).toBe(reads)
    expect(store.batches().map((b) => b.index)).toEqual(['0', '1'])
    store.close()
  })

  it('lanes-derive rejects bad arguments with one clear line and exit code 2', async () => {
    const errs: string[] = []
    const io = { out: () => {}, err: (x: string) => errs.push(x), isTTY: false }
    expect(
      await runCli(['batches', '--rpc', 'not a url', '--rollup', rollup, '--chain-id', '1'], io),
    ).toBe(2)
    expect(errs.pop()).toContain('invalid --rpc')
    expect(await runCli(['batch', 'x', '--rpc', anvil.url], io)).toBe(2)
    expect(errs.pop()).toContain('batch needs a batch index')
    expect(
      await runCli(['batches', '--rpc', anvil.url, '--rollup', '0x12', '--chain-id', '1'], io),
    ).toBe(2)
    expect(errs.pop()).toContain('--rollup')
    expect(await runCli(['frobnicate'], io)).toBe(2)
    expect(await runCli(['withdrawal', '0x12', '--rpc', anvil.url], io)).toBe(2)
    expect(errs.pop()).toContain('withdrawal needs a 32-byte')
    expect(
      await runCli(
        [
          'withdrawal',
          `0x${'11'.repeat(32)}`,
          '--rpc',
          anvil.url,
          '--rollup',
          rollup,
          '--chain-id',
          '1',
        ],
        io,
      ),
    ).toBe(2)
    expect(errs.pop()).toContain('withdrawal needs --l2-rpc')
  })

  it('reports a committed batch whose data disagrees with the commitment as invalid, naming it', async () => {
    const next = (await pub.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'nextBatchIndex',
    })) as bigint
    const h = header(next, 4n, 4n, root(3), root(4), 1n, 1n, 2n)
    // payload says post root 5, the commitment says 4
    const bad = encodeBatch({
      header: { ...h, postStateRoot: root(5) },
      blocks: [
        {
          number: 4n,
          timestamp: 103n,
          l1OriginNumber: 2n,
          depositCursor: 1n,
          stateRoot: root(5),
          txs: [],
        },
      ],
    })
    const tx = await wallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [commitment(h, queueHash), bytesToHex(bad)],
    })
    await waitForReceipt(pub, tx)
    const follower = new RollupFollower(l1, { chainId: L2_CHAIN_ID, startBlock, confirmations: 0n })
    const invalid = (await drain(follower)).filter((e) => e.type === 'invalid')
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.type === 'invalid' && invalid[0]!.batchIndex).toBe(next)
    expect(invalid[0]!.type === 'invalid' && invalid[0]!.error.shortMessage).toContain(tx)
  })

  it('rewinds to the common ancestor after an L1 reorg and re-derives', async () => {
    const follower = new RollupFollower(l1, {
      chainId: L2_CHAIN_ID,
      startBlock,
      confirmations: 0n,
      maxRange: 1n,
    })
    await drain(follower)
    while (follower.l1Cursor < (await pub.getBlockNumber())) await follower.step()
    const head = await pub.getBlockNumber()
    const hashes = new Map<bigint, Hex>()
    for (let n = startBlock; n <= head; n++)
      hashes.set(n, (await pub.getBlock({ blockNumber: n })).hash)
    // replace the last 3 blocks with blocks carrying a different tx
    await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'anvil_reorg',
        params: [3, [[{ from: owner.address, to: user.address, value: '0x1' }, 0]]],
      }),
    })
    let ancestor = startBlock - 1n
    for (let n = startBlock; n <= head; n++) {
      if ((await pub.getBlock({ blockNumber: n })).hash !== hashes.get(n)) break
      ancestor = n
    }
    expect(ancestor).toBeLessThan(head)
    const events = await follower.step()
    const rewind = events.find((e) => e.type === 'rewind')
    expect(rewind?.type === 'rewind' && rewind.l1Block).toBe(ancestor)
    while (follower.l1Cursor < (await pub.getBlockNumber())) await follower.step()
    expect(follower.l1Cursor).toBe(await pub.getBlockNumber())
  })
})
