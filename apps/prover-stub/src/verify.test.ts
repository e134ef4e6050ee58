import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BATCH_VERSION } from '@lanes/batch-codec'
import {
  type BlockHeader,
  chainParams,
  decodeTransaction,
  genesisHeader,
  genesisToDiff,
  type Hex,
  type L1Origin,
  nextBlockEnv,
  type RecoveredTx,
  sealHeader,
} from '@lanes/core'
import type { DerivedBatch, DerivedBlock } from '@lanes/derive'
import { executeBlock } from '@lanes/executor'
import { genesisStateRoot, WorldState } from '@lanes/state-tree'
import { hexToBytes } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { ProverStore } from './store.js'
import { TEST_L2_CHAIN_ID, testGenesis } from './testing/genesis.js'
import { BatchMismatchError, verifyBatch } from './verify.js'

const L2 = TEST_L2_CHAIN_ID
const user = privateKeyToAccount(generatePrivateKey())
const { genesis, execConfig } = testGenesis({
  [user.address]: { balance: '1000000000000000000000' },
})
const origin: L1Origin = {
  number: 7n,
  hash: `0x${'07'.repeat(32)}`,
  timestamp: 1_700_000_000n,
  baseFee: 1_000_000_000n,
  blobBaseFee: 1n,
}

/** Three blocks of one transfer each, executed by the test's own mini-sequencer. */
async function buildBlocks(): Promise<DerivedBlock[]> {
  const state = WorldState.inMemory()
  let head: BlockHeader = genesisHeader(genesis, state.applyDiff(0n, genesisToDiff(genesis)))
  const blocks: DerivedBlock[] = []
  for (let i = 0; i < 3; i++) {
    const raw = await user.signTransaction({
      chainId: Number(L2),
      type: 'eip1559',
      nonce: i,
      to: `0x${'66'.repeat(20)}`,
      value: 1000n + BigInt(i),
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 6n,
    })
    const tx: RecoveredTx = {
      ...decodeTransaction(hexToBytes(raw), { chainId: L2 }),
      from: user.address.toLowerCase() as Hex,
    }
    const env = nextBlockEnv(head, head.timestamp + 1n, origin, chainParams(genesis))
    const res = executeBlock(env, [tx], state, execConfig)
    expect(res.invalid).toEqual([])
    head = sealHeader({
      parent: head,
      env,
      origin,
      stateRoot: state.applyDiff(env.number, res.diff),
      txs: [tx],
      receipts: res.receipts,
      logsBloom: res.logsBloom,
      gasUsed: res.gasUsed,
      depositCursor: 0n,
    })
    blocks.push({
      number: env.number,
      timestamp: env.timestamp,
      l1OriginNumber: origin.number,
      depositCursor: 0n,
      stateRoot: head.stateRoot,
      deposits: [],
      txs: [tx],
    })
  }
  return blocks
}

function derived(blocks: DerivedBlock[]): DerivedBatch {
  return {
    index: 0n,
    header: {
      version: BATCH_VERSION,
      chainId: L2,
      batchIndex: 0n,
      firstBlock: blocks[0]!.number,
      lastBlock: blocks.at(-1)!.number,
      parentStateRoot: genesisStateRoot(genesis),
      postStateRoot: blocks.at(-1)!.stateRoot,
      l1OriginFirst: origin.number,
      l1OriginLast: origin.number,
      depositCursorStart: 0n,
      depositCursorEnd: 0n,
    },
    blocks,
    commitment: { dataHash: `0x${'da'.repeat(32)}` } as DerivedBatch['commitment'],
    l1: {
      batchIndex: 0n,
      l1TxHash: `0x${'1a'.repeat(32)}`,
      l1BlockNumber: 9n,
      blockHash: `0x${'1b'.repeat(32)}`,
      logIndex: 0,
    },
    daMode: 'calldata',
    payloadBytes: 0,
  }
}

describe('verifyBatch compares every block root', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanes-verify-'))
  const store = new ProverStore(dir)
  const state = WorldState.sqlite(store.db)
  store.transaction(() => {
    const root = state.applyDiff(0n, genesisToDiff(genesis))
    store.insertBlock(genesisHeader(genesis, root))
  })
  const ctx = {
    genesis,
    store,
    state,
    execConfig,
    origins: new Map([[origin.number, origin]]),
  }
  const good = await buildBlocks()
  const wrong: Hex = `0x${'ee'.repeat(32)}`
  afterAll(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const mismatch = (roots: Array<Hex | undefined>): BatchMismatchError => {
    const blocks = good.map((b, i) => ({ ...b, stateRoot: roots[i] ?? b.stateRoot }))
    try {
      verifyBatch(ctx, derived(blocks))
    } catch (error) {
      if (error instanceof BatchMismatchError) return error
      throw error
    }
    throw new Error('verifyBatch accepted a wrong root')
  }

  it('names the middle block whose root is wrong, with both roots and its last tx', () => {
    const e = mismatch([undefined, wrong])
    expect(e.detail).toEqual({
      block: 2n,
      lastTxIndex: 0,
      lastTx: good[1]!.txs[0]!.hash,
      expected: wrong,
      actual: good[1]!.stateRoot,
    })
    expect(e.shortMessage).toBe(
      `batch 0, block 2: block state root differs (committed ${wrong}, re-executed ${good[1]!.stateRoot})`,
    )
    // nothing of the refused batch is kept
    expect(store.head()!.number).toBe(0n)
  })

  it('names the first divergent block when several are wrong, and the last as the post root', () => {
    expect(mismatch([wrong, wrong]).detail.block).toBe(1n)
    const last = mismatch([undefined, undefined, wrong])
    expect(last.detail).toMatchObject({ block: 3n, expected: wrong, actual: good[2]!.stateRoot })
    expect(last.shortMessage).toContain('post state root differs')
  })

  it('verifies the batch when every root matches', () => {
    expect(verifyBatch(ctx, derived(good)).stateRoot).toBe(good[2]!.stateRoot)
    expect(store.head()!.number).toBe(3n)
  })
})
