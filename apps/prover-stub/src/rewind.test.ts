import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  BATCH_VERSION,
  BatchContextChain,
  batchAddresses,
  decodeBatchContextHash,
  EMPTY_BATCH_CONTEXT,
  encodeBatch,
} from '@lanes/batch-codec'
import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import {
  type BatchHeader,
  type BlockHeader,
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
import { ProverConfigSchema } from './config.js'
import { ProverService } from './service.js'
import { TEST_L2_CHAIN_ID, testGenesis } from './testing/genesis.js'

const L2 = TEST_L2_CHAIN_ID
const seqKey = ANVIL_KEYS[0]
const proverKey = ANVIL_KEYS[1]
const user = privateKeyToAccount(ANVIL_KEYS[5])
const {
  json: genesisJson,
  genesis,
  execConfig,
} = testGenesis({ [user.address]: { balance: '1000000000000000000000' } })

type Built = {
  number: bigint
  timestamp: bigint
  l1OriginNumber: bigint
  depositCursor: bigint
  stateRoot: Hex
}

describe('prover-stub rewinds a replaced batch instead of rebuilding from genesis', () => {
  let anvil: Anvil
  let pub: PublicClient
  let rollup: Hex
  let startBlock: bigint
  let dir: string
  // the test's mini-sequencer: it rolls back too (WorldState.rollbackTo) to build the replacement
  const seqState = WorldState.inMemory()
  const heads: BlockHeader[] = [genesisHeader(genesis, genesisStateRoot(genesis))]
  let nonce = 0
  // batches after the first name their recipient through the address table (codec §3.5), so
  // the prover decodes them only with the right predecessors, across revert, reorg and restart
  const contexts = new BatchContextChain()
  const head = () => heads.at(-1)!
  const seqWallet = () =>
    createWalletClient({
      account: privateKeyToAccount(seqKey),
      chain: foundry,
      transport: http(anvil.url),
    })
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    }).then((r) => r.json() as Promise<{ result: unknown }>)

  async function buildBlocks(count: number, txsPerBlock: number, value: bigint) {
    const l1 = await pub.getBlock({ blockTag: 'latest' })
    const origin = l1OriginOf({ ...l1, hash: l1.hash })
    const blocks: (Built & { txs: ReturnType<typeof decodeTransaction>[] })[] = []
    for (let i = 0; i < count; i++) {
      const txs = []
      for (let k = 0; k < txsPerBlock; k++) {
        const raw = await user.signTransaction({
          chainId: Number(L2),
          type: 'eip1559',
          nonce: nonce++,
          to: privateKeyToAccount(ANVIL_KEYS[6]).address,
          value: value + BigInt(k),
          gas: 21_000n,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 10n ** 6n,
        })
        txs.push({
          ...decodeTransaction(hexToBytes(raw), { chainId: L2 }),
          from: user.address.toLowerCase() as Hex,
        })
      }
      const env = nextBlockEnv(head(), head().timestamp + 1n, origin, chainParams(genesis))
      const res = executeBlock(env, txs, seqState, execConfig)
      expect(res.invalid).toEqual([])
      heads.push(
        sealHeader({
          parent: head(),
          env,
          origin,
          stateRoot: seqState.applyDiff(env.number, res.diff),
          txs,
          receipts: res.receipts,
          logsBloom: res.logsBloom,
          gasUsed: res.gasUsed,
          depositCursor: 0n,
        }),
      )
      const { number, timestamp } = env
      const stateRoot = head().stateRoot
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

  async function commitNext(index: bigint, blocks: number, value: bigint) {
    const parent = head().stateRoot
    const built = await buildBlocks(blocks, 2, value)
    const header: BatchHeader = {
      version: BATCH_VERSION,
      chainId: L2,
      batchIndex: index,
      firstBlock: built[0]!.number,
      lastBlock: built.at(-1)!.number,
      parentStateRoot: parent,
      postStateRoot: head().stateRoot,
      l1OriginFirst: built[0]!.l1OriginNumber,
      l1OriginLast: built.at(-1)!.l1OriginNumber,
      depositCursorStart: 0n,
      depositCursorEnd: 0n,
    }
    const payload = encodeBatch({ header, blocks: built }, { context: contexts.contextFor(index) })
    contexts.set(index, batchAddresses(built.flatMap((b) => b.txs)))
    expect(decodeBatchContextHash(payload, { chainId: L2 }) === EMPTY_BATCH_CONTEXT.hash).toBe(
      index === 0n,
    )
    const hash = await seqWallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [
        {
          batchIndex: index,
          parentStateRoot: parent,
          postStateRoot: head().stateRoot,
          firstBlock: header.firstBlock,
          lastBlock: header.lastBlock,
          depositCursor: 0n,
          depositQueueHash: `0x${'00'.repeat(32)}`,
        },
        bytesToHex(payload),
      ],
    })
    await waitForReceipt(pub, hash)
    return header
  }

  /** The mini-sequencer forgets its blocks after `block` (txs: 2 per block). */
  function seqRewindTo(block: bigint) {
    seqState.rollbackTo(block)
    while (head().number > block) heads.pop()
    nonce = Number(block) * 2
  }

  const logs: string[] = []
  const capture = {
    info: (_: object, m?: string) => logs.push(`info ${m}`),
    warn: (_: object, m?: string) => logs.push(`warn ${m}`),
    error: (_: object, m?: string) => logs.push(`error ${m}`),
  }
  const config = () =>
    loadSettings(ProverConfigSchema, [], {
      LANES_GENESIS: path.join(dir, 'genesis.json'),
      LANES_DATA_DIR: path.join(dir, 'prover'),
      LANES_L1_RPC_URL: anvil.url,
      LANES_ROLLUP_ADDRESS: rollup,
      LANES_ROLLUP_START_BLOCK: String(startBlock),
      LANES_PROVER_KEY: proverKey,
      LANES_FINALIZE: 'false',
    })

  beforeAll(async () => {
    anvil = await startAnvil()
    pub = createPublicClient({ chain: foundry, transport: http(anvil.url) })
    dir = mkdtempSync(path.join(tmpdir(), 'lanes-prover-rewind-'))
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

  it('revertBatches(2) and a different batch 2: rewinds to block 4, re-verifies, keeps its file', async () => {
    for (let i = 0n; i < 3n; i++) await commitNext(i, 2, 1000n)
    const prover = new ProverService(config(), capture)
    await prover.checkGenesis()
    for (let i = 0; i < 5 && prover.status().verifiedBatches < 3; i++) await prover.step()
    expect(prover.status()).toMatchObject({ verifiedBatches: 3, headBlock: '6' })
    const oldRoot = head().stateRoot
    const file = path.join(dir, 'prover', 'prover.sqlite')
    const inode = statSync(file).ino

    const revert = await seqWallet().writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'revertBatches',
      args: [2n],
    })
    await waitForReceipt(pub, revert)
    seqRewindTo(4n)
    await commitNext(2n, 3, 5000n) // other values and one more block
    expect(head().stateRoot).not.toBe(oldRoot)

    // a rebuild from genesis would throw out of step() (RebuildNeeded) and replace the file
    for (let i = 0; i < 5 && prover.status().headBlock !== '7'; i++) await prover.step()
    expect(prover.status()).toMatchObject({
      verifiedBatches: 3,
      headBlock: '7',
      headStateRoot: head().stateRoot,
      halted: null,
    })
    expect(logs).toContain('warn batch 2 reverted on L1: rewound to block 4')
    expect(logs.filter((l) => l.includes('rebuilding'))).toEqual([])
    expect(statSync(file).ino).toBe(inode)
    expect(await prover.metrics.rewinds.get()).toMatchObject({ values: [{ value: 1 }] })
    expect(await prover.metrics.verified.get()).toMatchObject({ values: [{ value: 4 }] })
    await prover.stop()
  })

  it('an L1 reorg that replaces the commit of batch 3: rewinds to the end of batch 2', async () => {
    const snapshot = (await rpc('evm_snapshot')).result
    const first = await commitNext(3n, 1, 7000n)
    const prover = new ProverService(config(), capture)
    for (let i = 0; i < 5 && prover.status().headBlock !== '8'; i++) await prover.step()
    expect(prover.status()).toMatchObject({ verifiedBatches: 4, headBlock: '8' })

    await rpc('evm_revert', [snapshot])
    seqRewindTo(7n)
    const second = await commitNext(3n, 2, 9000n)
    expect(second.postStateRoot).not.toBe(first.postStateRoot)
    await rpc('anvil_mine', ['0x5']) // the new L1 chain is longer than the old one
    logs.length = 0
    for (let i = 0; i < 8 && prover.status().headBlock !== '9'; i++) await prover.step()
    expect(prover.status()).toMatchObject({
      verifiedBatches: 4,
      headBlock: '9',
      headStateRoot: second.postStateRoot,
      halted: null,
    })
    expect(logs).toContain('warn batch 3 replaced on L1 after it was verified: rewound to block 7')
    expect(logs.filter((l) => l.includes('rebuilding'))).toEqual([])
    await prover.stop()
  })
})
