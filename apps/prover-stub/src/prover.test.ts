import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BATCH_VERSION, encodeBatch } from '@lanes/batch-codec'
import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import {
  type BatchHeader,
  chainParams,
  decodeTransaction,
  genesisHeader,
  genesisToDiff,
  type Hex,
  l1OriginOf,
  loadSettings,
  nextBlockEnv,
  sealHeader,
} from '@lanes/core'
import { executeBlock } from '@lanes/executor'
import { genesisStateRoot, WorldState } from '@lanes/state-tree'
import { ANVIL_KEYS, type Anvil, startAnvil } from '@lanes/test/harness'
import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  hexToBytes,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './app.js'
import { ProverConfigSchema } from './config.js'
import { ProverService } from './service.js'
import { silentLog, TEST_L2_CHAIN_ID, testGenesis } from './testing/genesis.js'

const L2 = TEST_L2_CHAIN_ID
const seqKey = ANVIL_KEYS[0]
const proverKey = ANVIL_KEYS[1]
const user = privateKeyToAccount(ANVIL_KEYS[5])
const {
  json: genesisJson,
  genesis,
  execConfig,
} = testGenesis({ [user.address]: { balance: '1000000000000000000000' } })
const silent = silentLog

describe('prover-stub against a real anvil', () => {
  let anvil: Anvil
  let pub: PublicClient
  let rollup: Hex
  let startBlock: bigint
  let dir: string
  // the test's own mini-sequencer state: the prover must reach the same roots from L1 alone
  const seqState = WorldState.inMemory()
  let seqHead = genesisHeader(genesis, genesisStateRoot(genesis))
  let nonce = 0
  const seqWallet = () =>
    createWalletClient({
      account: privateKeyToAccount(seqKey),
      chain: foundry,
      transport: http(anvil.url),
    })

  async function buildBlocks(count: number, txsPerBlock: number) {
    const l1 = await pub.getBlock({ blockTag: 'latest' })
    const origin = l1OriginOf({ ...l1, hash: l1.hash })
    const blocks = []
    for (let i = 0; i < count; i++) {
      const raws: Hex[] = []
      for (let k = 0; k < txsPerBlock; k++)
        raws.push(
          await user.signTransaction({
            chainId: Number(L2),
            type: 'eip1559',
            nonce: nonce++,
            to: privateKeyToAccount(ANVIL_KEYS[6]).address,
            value: 1000n + BigInt(k),
            gas: 21_000n,
            maxFeePerGas: 10n ** 10n,
            maxPriorityFeePerGas: 10n ** 6n,
          }),
        )
      const txs = raws.map((r) => ({
        ...decodeTransaction(hexToBytes(r), { chainId: L2 }),
        from: user.address.toLowerCase() as Hex,
      }))
      const env = nextBlockEnv(seqHead, seqHead.timestamp + 1n, origin, chainParams(genesis))
      const res = executeBlock(env, txs, seqState, execConfig)
      expect(res.invalid).toEqual([])
      seqHead = sealHeader({
        parent: seqHead,
        env,
        origin,
        stateRoot: seqState.applyDiff(env.number, res.diff),
        txs,
        receipts: res.receipts,
        logsBloom: res.logsBloom,
        gasUsed: res.gasUsed,
        depositCursor: 0n,
      })
      const { number, timestamp } = env
      const stateRoot = seqHead.stateRoot
      blocks.push({
        number,
        timestamp,
        l1OriginNumber: origin.number,
        depositCursor: 0n,
        stateRoot,
        txs,
      })
    }
    return blocks
  }

  async function commit(
    index: bigint,
    parent: Hex,
    post: Hex,
    blocks: Awaited<ReturnType<typeof buildBlocks>>,
  ) {
    const header: BatchHeader = {
      version: BATCH_VERSION,
      chainId: L2,
      batchIndex: index,
      firstBlock: blocks[0]!.number,
      lastBlock: blocks.at(-1)!.number,
      parentStateRoot: parent,
      postStateRoot: post,
      l1OriginFirst: blocks[0]!.l1OriginNumber,
      l1OriginLast: blocks.at(-1)!.l1OriginNumber,
      depositCursorStart: 0n,
      depositCursorEnd: 0n,
    }
    const hash = await seqWallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [
        {
          batchIndex: index,
          parentStateRoot: parent,
          postStateRoot: post,
          firstBlock: header.firstBlock,
          lastBlock: header.lastBlock,
          depositCursor: 0n,
          depositQueueHash: `0x${'00'.repeat(32)}`,
        },
        bytesToHex(encodeBatch({ header, blocks })),
      ],
    })
    await waitForReceipt(pub, hash)
  }

  const config = () =>
    loadSettings(ProverConfigSchema, [], {
      LANES_GENESIS: path.join(dir, 'genesis.json'),
      LANES_DATA_DIR: path.join(dir, 'prover'),
      LANES_L1_RPC_URL: anvil.url,
      LANES_ROLLUP_ADDRESS: rollup,
      LANES_ROLLUP_START_BLOCK: String(startBlock),
      LANES_PROVER_KEY: proverKey,
      LANES_FEE_BUMP_AFTER_MS: '100000',
    })
  const nextFinalized = () =>
    pub.readContract({ address: rollup, abi: rollupAbi, functionName: 'nextFinalizedIndex' })

  beforeAll(async () => {
    anvil = await startAnvil()
    pub = createPublicClient({ chain: foundry, transport: http(anvil.url) })
    dir = mkdtempSync(path.join(tmpdir(), 'lanes-prover-'))
    writeFileSync(path.join(dir, 'genesis.json'), JSON.stringify(genesisJson))
    seqState.applyDiff(0n, genesisToDiff(genesis))
    const d = await deployRollup({
      walletClient: seqWallet(),
      publicClient: pub,
      genesisStateRoot: genesisStateRoot(genesis),
      l2ChainId: L2,
      sequencer: privateKeyToAccount(seqKey).address,
      prover: privateKeyToAccount(proverKey).address,
      finalizationDelay: 0,
      inclusionWindow: 1000,
    })
    rollup = d.rollup
    startBlock = d.blockNumber
  })
  afterAll(async () => {
    await anvil?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  let afterBatch0: { head: typeof seqHead; nonce: number; snapshot: Hex } | undefined

  it('verifies a committed batch by re-execution and finalizes it', async () => {
    const parent = seqHead.stateRoot
    const blocks = await buildBlocks(3, 4)
    await commit(0n, parent, seqHead.stateRoot, blocks)
    afterBatch0 = {
      head: seqHead,
      nonce,
      snapshot: (await pub.request({ method: 'evm_snapshot' } as never)) as Hex,
    }
    const prover = new ProverService(config(), silent)
    await prover.checkGenesis()
    for (let i = 0; i < 10 && (await nextFinalized()) < 1n; i++) await prover.step()
    await prover.step() // the status follows L1 on the next poll
    expect(await nextFinalized()).toBe(1n)
    expect(prover.status()).toMatchObject({
      verifiedBatches: 1,
      finalizedBatches: 1,
      headBlock: '3',
      headStateRoot: seqHead.stateRoot,
      halted: null,
    })
    await prover.stop()
  })

  it("refuses a batch whose middle block's posted root is wrong (its post root is right), naming that block; fails /readyz, never finalizes; a restart does not re-finalize", async () => {
    const parent = seqHead.stateRoot
    const blocks = await buildBlocks(3, 2)
    const mid = blocks[1]!
    const computed = mid.stateRoot
    const wrong: Hex = `0x${'ee'.repeat(32)}`
    mid.stateRoot = wrong
    await commit(1n, parent, seqHead.stateRoot, blocks)
    const halts: Error[] = []
    const errors: Array<{ obj: Record<string, unknown>; msg?: string }> = []
    const log = {
      ...silent,
      error: (obj: object, msg?: string) => errors.push({ obj: { ...obj }, msg }),
    }
    const prover = new ProverService(config(), log, (e) => halts.push(e))
    const proverNonce = await pub.getTransactionCount({
      address: privateKeyToAccount(proverKey).address,
    })
    for (let i = 0; i < 5; i++) await prover.step()
    expect(halts).toHaveLength(1)
    expect(halts[0]!.message).toContain(`batch 1, block ${mid.number}: block state root differs`)
    expect(halts[0]!.message).toContain(`committed ${wrong}, re-executed ${computed}`)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.obj).toMatchObject({
      batch: '1',
      block: String(mid.number),
      lastTxIndex: 1,
      lastTx: mid.txs[1]!.hash,
      committedRoot: wrong,
      computedRoot: computed,
    })
    expect(await nextFinalized()).toBe(1n)
    const app = buildApp(prover)
    const ready = await app.inject({ url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().reason).toContain(`block ${mid.number}`)
    expect((await app.inject({ url: '/metrics' })).body).toContain(
      'lanes_prover_mismatches_total 1',
    )
    await app.close()
    // the restart resumed from its own database: batch 0 stays finalized, no new finalize tx,
    // and nothing of batch 1 was kept (the head is the last block of batch 0)
    expect(prover.status()).toMatchObject({ finalizedBatches: 1, headBlock: '3' })
    expect(await pub.getTransactionCount({ address: privateKeyToAccount(proverKey).address })).toBe(
      proverNonce,
    )
    await prover.stop()
  })

  it('refuses a batch committed with a wrong post root by the sequencer key', async () => {
    // back to L1 as it was right after batch 0's commit (an anvil snapshot), so that batch 1 is
    // this test's: its blocks are right, its post root (= the last block's root) is not
    const b0 = afterBatch0!
    await pub.request({ method: 'evm_revert', params: [b0.snapshot] } as never)
    seqState.rollbackTo(b0.head.number)
    seqHead = b0.head
    nonce = b0.nonce
    const parent = seqHead.stateRoot
    const blocks = await buildBlocks(2, 3)
    const last = blocks.at(-1)!
    const computed = last.stateRoot
    const wrong: Hex = `0x${'ab'.repeat(32)}`
    last.stateRoot = wrong
    await commit(1n, parent, wrong, blocks)
    // a prover with a fresh database: it derives everything from L1 alone
    const halts: Error[] = []
    const prover = new ProverService(
      { ...config(), dataDir: path.join(dir, 'prover-post-root') },
      silent,
      (e) => halts.push(e),
    )
    await prover.checkGenesis()
    for (let i = 0; i < 8 && halts.length === 0; i++) await prover.step()
    expect(halts).toHaveLength(1)
    expect(halts[0]!.message).toContain(`batch 1, block ${last.number}: post state root differs`)
    expect(halts[0]!.message).toContain(`committed ${wrong}, re-executed ${computed}`)
    // batch 1 is never finalized (batch 0 may or may not be, as the halt came first)
    expect(await nextFinalized()).toBeLessThanOrEqual(1n)
    const app = buildApp(prover)
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503)
    expect((await app.inject({ url: '/metrics' })).body).toContain(
      'lanes_prover_mismatches_total 1',
    )
    await app.close()
    await prover.stop()
    badBatch1 = { blocks }
  })

  let badBatch1: { blocks: Awaited<ReturnType<typeof buildBlocks>> } | undefined

  it('a fresh prover catching up skips a bad batch the owner reverted later on L1 and verifies its replacement', async () => {
    expect(badBatch1).toBeDefined()
    await waitForReceipt(
      pub,
      await seqWallet().writeContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'revertBatches',
        args: [1n],
      }),
    )
    // the sequencer state is still at the end of the bad batch's blocks, whose roots are right
    // except the posted last one: re-commit them with the true post root
    const blocks = badBatch1!.blocks
    blocks.at(-1)!.stateRoot = seqHead.stateRoot
    await commit(1n, afterBatch0!.head.stateRoot, seqHead.stateRoot, blocks)
    const halts: Error[] = []
    const warnings: string[] = []
    const prover = new ProverService(
      { ...config(), dataDir: path.join(dir, 'prover-catch-up') },
      { ...silent, warn: (_o: object, msg?: string) => warnings.push(msg ?? '') },
      (e) => halts.push(e),
    )
    await prover.checkGenesis()
    for (let i = 0; i < 10 && (await nextFinalized()) < 2n; i++) await prover.step()
    expect(halts).toEqual([])
    expect(warnings).toContain('batch skipped: reverted later on L1')
    expect(await nextFinalized()).toBe(2n)
    await prover.stop()
  })

  it('finalizes every batch that is due in one finalizeBatches tx', async () => {
    for (const index of [2n, 3n, 4n]) {
      const parent = seqHead.stateRoot
      const blocks = await buildBlocks(2, 2)
      await commit(index, parent, seqHead.stateRoot, blocks)
    }
    const prover = new ProverService(
      { ...config(), dataDir: path.join(dir, 'prover-catch-up') },
      silent,
    )
    for (let i = 0; i < 10 && (await nextFinalized()) < 5n; i++) await prover.step()
    expect(await nextFinalized()).toBe(5n)
    const logs = await pub.getContractEvents({
      address: rollup,
      abi: rollupAbi,
      eventName: 'BatchFinalized',
      fromBlock: startBlock,
    })
    const txOf = new Map(logs.map((l) => [l.args.batchIndex, l.transactionHash]))
    expect(new Set([2n, 3n, 4n].map((i) => txOf.get(i))).size).toBe(1)
    await prover.step()
    expect(prover.status()).toMatchObject({ finalizedBatches: 5 })
    await prover.stop()
  })
})
