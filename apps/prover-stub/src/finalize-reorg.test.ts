import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BATCH_VERSION, encodeBatch } from '@lanes/batch-codec'
import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import {
  type BatchHeader,
  chainParams,
  genesisHeader,
  type Hex,
  l1OriginOf,
  loadSettings,
  nextBlockEnv,
  sealHeader,
} from '@lanes/core'
import { genesisStateRoot } from '@lanes/state-tree'
import { ANVIL_KEYS, type Anvil, startAnvil } from '@lanes/test/harness'
import { bytesToHex, createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProverConfigSchema } from './config.js'
import { ProverService } from './service.js'
import { silentLog, TEST_L2_CHAIN_ID, testGenesis } from './testing/genesis.js'

// Batches of one empty L2 block: the state root never changes, so the test needs no executor.
const L2 = TEST_L2_CHAIN_ID
const seqKey = ANVIL_KEYS[0]
const proverKey = ANVIL_KEYS[1]
const { json: genesisJson, genesis } = testGenesis()
const root = genesisStateRoot(genesis)
const silent = silentLog

describe('prover-stub finalizes again what an L1 reorg dropped', () => {
  let anvil: Anvil
  let pub: PublicClient
  let rollup: Hex
  let startBlock: bigint
  let dir: string
  let head = genesisHeader(genesis, root)
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    }).then((r) => r.json() as Promise<{ result: unknown }>)
  const seqWallet = () =>
    createWalletClient({
      account: privateKeyToAccount(seqKey),
      chain: foundry,
      transport: http(anvil.url),
    })
  const nextFinalized = () =>
    pub.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'nextFinalizedIndex',
    }) as Promise<bigint>
  const finalizedIndices = async () =>
    (
      await pub.getContractEvents({
        address: rollup,
        abi: rollupAbi,
        eventName: 'BatchFinalized',
        fromBlock: startBlock,
      })
    ).map((e) => Number(e.args.batchIndex))

  async function commit(index: bigint) {
    const l1 = await pub.getBlock({ blockTag: 'latest' })
    const origin = l1OriginOf({ ...l1, hash: l1.hash })
    const env = nextBlockEnv(head, head.timestamp + 1n, origin, chainParams(genesis))
    head = sealHeader({
      parent: head,
      env,
      origin,
      stateRoot: root,
      txs: [],
      receipts: [],
      logsBloom: `0x${'00'.repeat(256)}`,
      gasUsed: 0n,
      depositCursor: 0n,
    })
    const block = {
      number: env.number,
      timestamp: env.timestamp,
      l1OriginNumber: origin.number,
      depositCursor: 0n,
      stateRoot: root,
      txs: [],
    }
    const header: BatchHeader = {
      version: BATCH_VERSION,
      chainId: L2,
      batchIndex: index,
      firstBlock: env.number,
      lastBlock: env.number,
      parentStateRoot: root,
      postStateRoot: root,
      l1OriginFirst: origin.number,
      l1OriginLast: origin.number,
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
          parentStateRoot: root,
          postStateRoot: root,
          firstBlock: env.number,
          lastBlock: env.number,
          depositCursor: 0n,
          depositQueueHash: `0x${'00'.repeat(32)}`,
        },
        bytesToHex(encodeBatch({ header, blocks: [block] })),
      ],
    })
    await waitForReceipt(pub, hash)
  }

  /** Steps the prover (mining a block after each step when automine is off) until `want`. */
  async function finalizeUpTo(prover: ProverService, want: bigint, mine = false) {
    for (let i = 0; i < 30 && (await nextFinalized()) < want; i++) {
      await prover.step()
      if (mine) await rpc('evm_mine')
    }
    return nextFinalized()
  }

  const config = () =>
    loadSettings(ProverConfigSchema, [], {
      LANES_GENESIS: path.join(dir, 'genesis.json'),
      LANES_DATA_DIR: path.join(dir, 'prover'),
      LANES_L1_RPC_URL: anvil.url,
      LANES_ROLLUP_ADDRESS: rollup,
      LANES_ROLLUP_START_BLOCK: String(startBlock),
      LANES_PROVER_KEY: proverKey,
      // far away: a dropped finalize must be sent again without waiting for a fee bump
      LANES_FEE_BUMP_AFTER_MS: '600000',
    })

  beforeAll(async () => {
    anvil = await startAnvil()
    pub = createPublicClient({ chain: foundry, transport: http(anvil.url) })
    dir = mkdtempSync(path.join(tmpdir(), 'lanes-prover-finreorg-'))
    writeFileSync(path.join(dir, 'genesis.json'), JSON.stringify(genesisJson))
    const d = await deployRollup({
      walletClient: seqWallet(),
      publicClient: pub,
      genesisStateRoot: root,
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

  it('a mined finalization that a reorg removed is sent again', async () => {
    for (const i of [0n, 1n, 2n]) await commit(i)
    const prover = new ProverService(config(), silent)
    expect(await finalizeUpTo(prover, 3n)).toBe(3n)
    // automine: the last block holds the finalize tx (of a run) that reached batch 2
    const events = await pub.getContractEvents({
      address: rollup,
      abi: rollupAbi,
      eventName: 'BatchFinalized',
      fromBlock: startBlock,
    })
    const last = events.at(-1)!
    const runStart = events.find((e) => e.transactionHash === last.transactionHash)!.args
      .batchIndex!
    await rpc('anvil_reorg', [1, []])
    expect(await nextFinalized()).toBe(runStart)
    expect(await finalizeUpTo(prover, 3n)).toBe(3n)
    expect(await finalizedIndices()).toEqual([0, 1, 2])
    await prover.stop()
  })

  it('a finalize stuck behind the nonce of a dropped one starts over from L1', async () => {
    for (const i of [3n, 4n]) await commit(i)
    await rpc('evm_setAutomine', [false])
    try {
      // one batch per finalize tx, so that two finalize txs with consecutive nonces exist
      const prover = new ProverService({ ...config(), finalizeMaxBatches: 1 }, silent)
      expect(await finalizeUpTo(prover, 4n, true)).toBe(4n)
      // finalize 4 is sent (pooled, not mined) on top of finalize 3's nonce
      await prover.step()
      await rpc('anvil_reorg', [1, []]) // drops the block holding finalize 3
      expect(await nextFinalized()).toBe(3n)
      expect(await finalizeUpTo(prover, 5n, true)).toBe(5n)
      expect(await finalizedIndices()).toEqual([0, 1, 2, 3, 4])
      await prover.stop()
    } finally {
      await rpc('evm_setAutomine', [true])
    }
  })
})
