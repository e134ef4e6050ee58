// Derive + re-execute speed of the prover from L1 alone, against the sequencer's own sealing
// rate for the same history in the same run (sender recovery + execution + durable tree commit).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  BATCH_VERSION,
  type BatchBlock,
  BatchContextChain,
  batchAddresses,
  encodeBatch,
} from '@lanes/batch-codec'
import { deployRollup, rollupAbi, waitForReceipt } from '@lanes/contracts'
import {
  type BlockHeader,
  chainParams,
  type GenesisJson,
  genesisHeader,
  genesisToDiff,
  type Hex,
  keccak256,
  l1OriginOf,
  loadSettings,
  nextBlockEnv,
  parseGenesis,
  type RecoveredTx,
  SenderRecoveryPool,
  type SignedTx,
  sealHeader,
  signedTxFromFields,
} from '@lanes/core'
import { executeBlock } from '@lanes/executor'
import { ProverService } from '@lanes/prover-stub'
import { genesisStateRoot, openDatabase, WorldState } from '@lanes/state-tree'
import { ANVIL_KEYS, startAnvil } from '@lanes/test/harness'
import { bytesToHex, createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { ProverConfigSchema } from '../apps/prover-stub/src/config.js'
import { signFields } from '../packages/core/src/tx-fixtures.js'
import { report } from './machine.js'

const TXS = Number(process.env.LANES_BENCH_DERIVE_TXS ?? 100_000)
const SENDERS = 1000
const TXS_PER_BLOCK = 500
const BLOCKS_PER_BATCH = 2
const L2 = 42069n

const dir = mkdtempSync(path.join(tmpdir(), 'lanes-bench-derive-'))
const keys = Array.from({ length: SENDERS }, (_, i) =>
  keccak256(new TextEncoder().encode(`sender-${i}`)),
)
const senders = keys.map((k) => privateKeyToAccount(bytesToHex(k)).address.toLowerCase() as Hex)
const genesisJson: GenesisJson = {
  chainId: Number(L2),
  timestamp: 1_700_000_000,
  gasLimit: '30000000',
  blockTimeMs: 250,
  minBaseFee: '1000000',
  feeVaults: {
    baseFee: '0x00000000000000000000000000000000000b0001',
    priorityFee: '0x00000000000000000000000000000000000b0002',
    l1Fee: '0x00000000000000000000000000000000000b0003',
  },
  alloc: Object.fromEntries(senders.map((a) => [a, { balance: '1000000000000000000000' }])),
}
writeFileSync(path.join(dir, 'genesis.json'), JSON.stringify(genesisJson))
const genesis = parseGenesis(genesisJson)
const execConfig = {
  baseFeeVault: genesis.feeVaults.baseFee,
  priorityFeeVault: genesis.feeVaults.priorityFee,
  l1FeeVault: genesis.feeVaults.l1Fee,
  l1BaseFeeScalar: 1368n,
  l1BlobBaseFeeScalar: 810949n,
}

process.stderr.write(`# derive: signing ${TXS} transfers from ${SENDERS} senders\n`)
const signed: SignedTx[] = []
for (let k = 0; k < TXS; k++) {
  const fields = {
    type: 2 as const,
    chainId: L2,
    nonce: BigInt(Math.floor(k / SENDERS)),
    gasLimit: 21_000n,
    to: bytesToHex(keccak256(new TextEncoder().encode(`to-${k % 10_000}`)).subarray(12)) as Hex,
    value: BigInt(1 + (k % 997)),
    data: new Uint8Array(0),
    accessList: [],
    maxFeePerGas: 10_000_000_000n,
    maxPriorityFeePerGas: 1_000_000n,
  }
  signed.push(signedTxFromFields(signFields(fields, keys[k % SENDERS]!)))
}

const anvil = await startAnvil()
try {
  const pub = createPublicClient({
    chain: foundry,
    transport: http(anvil.url, { timeout: 60_000 }),
  })
  const seqAccount = privateKeyToAccount(ANVIL_KEYS[0])
  const wallet = createWalletClient({
    account: seqAccount,
    chain: foundry,
    transport: http(anvil.url, { timeout: 60_000 }),
  })
  const { rollup, blockNumber: startBlock } = await deployRollup({
    walletClient: wallet,
    publicClient: pub,
    genesisStateRoot: genesisStateRoot(genesis),
    l2ChainId: L2,
    sequencer: seqAccount.address,
    prover: privateKeyToAccount(ANVIL_KEYS[1]).address,
    finalizationDelay: 0,
    inclusionWindow: 1000,
  })
  const l1Block = await pub.getBlock({ blockTag: 'latest' })
  const origin = l1OriginOf({ ...l1Block, hash: l1Block.hash })

  // ---- the sequencer's way: recover senders, execute, commit the tree durably, per block ----
  const seqDb = openDatabase(path.join(dir, 'seq.sqlite'))
  const seqState = WorldState.sqlite(seqDb)
  seqState.applyDiff(0n, genesisToDiff(genesis))
  let head: BlockHeader = genesisHeader(genesis, seqState.root(0n))
  const pool = new SenderRecoveryPool({ size: 2 })
  const blocks: BatchBlock[] = []
  const roots: Hex[] = [head.stateRoot]
  const t0 = performance.now()
  for (let i = 0; i < TXS; i += TXS_PER_BLOCK) {
    const chunk = signed.slice(i, i + TXS_PER_BLOCK)
    const from = await pool.recover(chunk)
    const txs: RecoveredTx[] = chunk.map((t, j) => ({ ...t, from: from[j]! }))
    const env = nextBlockEnv(head, head.timestamp + 1n, origin, chainParams(genesis))
    const res = executeBlock(env, txs, seqState, execConfig)
    if (res.invalid.length) throw new Error(`bench block ${env.number}: ${res.invalid[0]!.reason}`)
    const stateRoot = seqState.applyDiff(env.number, res.diff)
    head = sealHeader({
      parent: head,
      env,
      origin,
      stateRoot,
      txs,
      receipts: res.receipts,
      logsBloom: res.logsBloom,
      gasUsed: res.gasUsed,
      depositCursor: 0n,
    })
    const { number, timestamp } = env
    roots.push(stateRoot)
    blocks.push({
      number,
      timestamp,
      l1OriginNumber: origin.number,
      depositCursor: 0n,
      stateRoot,
      txs: chunk,
    })
  }
  const sealMs = performance.now() - t0
  await pool.close()
  seqDb.close()

  // ---- post the history to L1 in calldata batches (not timed) ----
  process.stderr.write(
    `# derive: committing ${blocks.length / BLOCKS_PER_BATCH} batches to anvil\n`,
  )
  let postedBytes = 0
  // as the batcher does: each batch references the address table of the 32 before it, so the
  // prover's derive includes building that table
  const contexts = new BatchContextChain()
  for (let b = 0; b * BLOCKS_PER_BATCH < blocks.length; b++) {
    const part = blocks.slice(b * BLOCKS_PER_BATCH, (b + 1) * BLOCKS_PER_BATCH)
    const first = part[0]!.number
    const last = part.at(-1)!.number
    const header = {
      version: BATCH_VERSION,
      chainId: L2,
      batchIndex: BigInt(b),
      firstBlock: first,
      lastBlock: last,
      parentStateRoot: roots[Number(first) - 1]!,
      postStateRoot: roots[Number(last)]!,
      l1OriginFirst: origin.number,
      l1OriginLast: origin.number,
      depositCursorStart: 0n,
      depositCursorEnd: 0n,
    }
    const context = contexts.contextFor(BigInt(b))
    const payload = encodeBatch({ header, blocks: part }, { quality: 5, context })
    contexts.set(BigInt(b), batchAddresses(part.flatMap((x) => x.txs)))
    postedBytes += payload.length
    const hash = await wallet.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      gas: 5_000_000n,
      args: [
        {
          batchIndex: header.batchIndex,
          parentStateRoot: header.parentStateRoot,
          postStateRoot: header.postStateRoot,
          firstBlock: first,
          lastBlock: last,
          depositCursor: 0n,
          depositQueueHash: `0x${'00'.repeat(32)}`,
        },
        bytesToHex(payload),
      ],
    })
    await waitForReceipt(pub, hash)
  }

  // ---- the prover: derive from L1 and re-execute, on its own SQLite ----
  const config = loadSettings(ProverConfigSchema, [], {
    LANES_GENESIS: path.join(dir, 'genesis.json'),
    LANES_DATA_DIR: path.join(dir, 'prover'),
    LANES_L1_RPC_URL: anvil.url,
    LANES_ROLLUP_ADDRESS: rollup,
    LANES_ROLLUP_START_BLOCK: String(startBlock),
    LANES_PROVER_KEY: ANVIL_KEYS[1],
    LANES_FINALIZE: 'false',
  })
  const quiet = {
    info: () => {},
    warn: () => {},
    error: (o: object, m?: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
  }
  const prover = new ProverService(config, quiet)
  const batches = Math.ceil(blocks.length / BLOCKS_PER_BATCH)
  const t1 = performance.now()
  while (prover.status().verifiedBatches < batches && !prover.halted) await prover.step()
  const proveMs = performance.now() - t1
  const status = prover.status()
  await prover.stop()
  if (prover.halted || status.headStateRoot !== head.stateRoot)
    throw new Error(`prover disagreed: ${status.halted ?? status.headStateRoot}`)

  const sealRate = TXS / (sealMs / 1000)
  const proveRate = TXS / (proveMs / 1000)
  report({
    name: 'derive.sequencer_seal_rate',
    unit: 'tx/s',
    value: Math.round(sealRate),
    notes: `${TXS} transfers, ${TXS_PER_BLOCK}/block: pool recovery (2 workers) + executeBlock + SQLite tree commit`,
  })
  report({
    name: 'derive.prover_reexecute_rate',
    unit: 'tx/s',
    value: Math.round(proveRate),
    baseline: { name: 'derive.sequencer_seal_rate', value: Math.round(sealRate) },
    ratio: Number((proveRate / sealRate).toFixed(2)),
    target: '>= 1.0x the sequencer seal rate',
    notes: `L1 logs + calldata fetch + hash check + decode + recovery (2 workers) + re-execution + tree commit, ${batches} batches`,
  })
  report({
    name: 'derive.posted_bytes_per_tx',
    unit: 'B/tx',
    value: Number((postedBytes / TXS).toFixed(1)),
    notes: 'brotli quality 5 (bench speed); the batcher picks by size',
  })
} finally {
  await anvil.stop()
  rmSync(dir, { recursive: true, force: true })
}
