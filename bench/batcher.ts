// Batcher under sustained L2 load: a fake sequencer seals blocks of pre-signed transfers at a
// fixed rate for LANES_BENCH_SECONDS (default 60) while the real batcher (BullMQ + Redis +
// anvil with 2 s L1 blocks + the real Rollup contract) posts them. Figures: blocks/s batched
// against blocks/s sealed in the same run, bytes and L1 gas per tx, posting lag p50/p99
// (block sealed → its commit included in an L1 block, and → the batcher saw it confirmed).
// Each sealed block is also announced on the "sealed" BullMQ queue, as the sequencer does.
import os from 'node:os'
import { loadKzg, SEALED_QUEUE } from '@lanes/batcher'
import { type L1Env, startBatcherEnv, startL1Env } from '@lanes/batcher/testing'
import { ANVIL_KEYS } from '@lanes/test/harness'
import { Queue } from 'bullmq'
import { createWalletClient, http, toBlobs } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { report } from './machine.js'

const SECONDS = Number(process.env.LANES_BENCH_SECONDS ?? 60)
const BLOCK_MS = 250
const TXS_PER_BLOCK = Number(process.env.LANES_BENCH_TXS_PER_BLOCK ?? 25)
const MAX_DELAY_MS = 6000
const L1_BLOCK_S = 2

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}

/**
 * anvil loads its KZG setup on the first blob tx it sees: that eth_sendRawTransaction takes
 * 10-20 s on this machine. A real L1 node has it loaded at start, so one blob tx from another
 * key goes first, outside the measured run.
 */
async function warmAnvilBlobs(l1: L1Env): Promise<void> {
  const account = privateKeyToAccount(ANVIL_KEYS[3] as `0x${string}`)
  const wallet = createWalletClient({
    account,
    chain: { ...foundry, id: l1.anvil.chainId },
    transport: http(l1.anvil.url, { timeout: 120_000 }),
  })
  const hash = await wallet.sendTransaction({
    blobs: toBlobs({ data: '0x1234' }),
    kzg: await loadKzg(),
    to: account.address,
    maxFeePerBlobGas: 10n ** 9n,
  })
  await l1.client.waitForTransactionReceipt({ hash, timeout: 120_000 })
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join('/')
const loadStart = load()
const l1 = await startL1Env({ blockTime: L1_BLOCK_S })
const env = await startBatcherEnv(l1)
await warmAnvilBlobs(l1)
const sealedQueue = new Queue(SEALED_QUEUE, {
  connection: { url: env.redis.url },
  prefix: `{lanes}${env.redis.prefix}`,
})
try {
  const blocks = Math.floor((SECONDS * 1000) / BLOCK_MS)
  process.stderr.write(`# signing ${blocks * TXS_PER_BLOCK} txs\n`)
  const txs = await env.seq.presign(blocks * TXS_PER_BLOCK)
  const s = await env.build({
    daMode: 'auto',
    maxBatchDelayMs: MAX_DELAY_MS,
    confirmations: 1,
    pollIntervalMs: 200,
  })
  await s.start()
  // load starts once the batcher is ready (reconciled, compress child up with KZG loaded)
  while ((await s.http.inject('/readyz')).statusCode !== 200)
    await new Promise((r) => setTimeout(r, 100))
  const t0 = Date.now()
  for (let i = 0; i < blocks; i++) {
    const b = env.seq.sealTxs(txs.slice(i * TXS_PER_BLOCK, (i + 1) * TXS_PER_BLOCK))
    await sealedQueue.add(
      SEALED_QUEUE,
      { number: String(b.header.number), hash: b.header.hash, stateRoot: b.header.stateRoot },
      { jobId: `block-${b.header.number}` },
    )
    const wait = t0 + (i + 1) * BLOCK_MS - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  const sealSeconds = (Date.now() - t0) / 1000
  // drain: the last blocks wait for max delay, then one L1 block
  const deadline = Date.now() + MAX_DELAY_MS + 30_000
  while (Date.now() < deadline) {
    const last = s.store.all().at(-1)
    if (last?.status === 'confirmed' && last.lastBlock === BigInt(blocks)) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const all = s.store.all().filter((b) => b.status === 'confirmed')
  if (all.length === 0) {
    process.stderr.write('# no batch confirmed: the figures below are meaningless\n')
    process.exitCode = 1
  }
  const l1Time = new Map<bigint, number>()
  for (const b of all)
    if (b.minedBlock !== null && !l1Time.has(b.minedBlock))
      l1Time.set(
        b.minedBlock,
        Number((await l1.client.getBlock({ blockNumber: b.minedBlock })).timestamp) * 1000,
      )
  const lags: number[] = []
  const inclLags: number[] = []
  let txCount = 0
  let bytes = 0
  let gas = 0n
  let blobs = 0
  let lastConfirmed = t0
  for (const b of all) {
    txCount += b.txCount
    bytes += b.payload?.length ?? 0
    gas += b.l1GasUsed ?? 0n
    blobs += b.daMode === 'blobs' ? (b.blobCount ?? 0) : 0
    lastConfirmed = Math.max(lastConfirmed, b.confirmedAtMs ?? 0)
    for (let n = b.firstBlock; n <= b.lastBlock; n++) {
      const sealedAt = env.seq.sealedAtMs[Number(n) - 1]!
      lags.push(((b.confirmedAtMs ?? 0) - sealedAt) / 1000)
      inclLags.push(((l1Time.get(b.minedBlock ?? -1n) ?? 0) - sealedAt) / 1000)
    }
  }
  if (process.env.LANES_BENCH_VERBOSE)
    for (const b of all) {
      // where a batch's time went, in s after the run started: planned (compress job added),
      // compressed, stored for posting, sent, included on L1, seen confirmed
      const c = await s.pipeline.queues.compress.getJob(`batch-${b.batchIndex}`)
      const at = (ms: number | undefined | null) => (ms ? ((ms - t0) / 1000).toFixed(1) : '-')
      const sent = s.store.attempts(b.batchIndex)[0]?.sentAtMs
      process.stderr.write(
        `# batch ${b.batchIndex} blocks ${b.firstBlock}-${b.lastBlock} sealed ${at(env.seq.sealedAtMs[Number(b.firstBlock) - 1])}..${at(env.seq.sealedAtMs[Number(b.lastBlock) - 1])} planned ${at(c?.timestamp)} compress ${at(c?.processedOn)}..${at(c?.finishedOn)} stored ${at(b.createdAtMs)} sent ${at(sent)} included ${at(l1Time.get(b.minedBlock ?? -1n))} confirmed ${at(b.confirmedAtMs)} bytes ${b.payload?.length} ${b.daMode}\n`,
      )
    }
  const batchedBlocks = lags.length
  const sealedRate = blocks / sealSeconds
  const batchedRate = batchedBlocks / ((lastConfirmed - t0) / 1000)
  const common = `${SECONDS}s, ${TXS_PER_BLOCK} tx per ${BLOCK_MS} ms block, anvil ${L1_BLOCK_S}s L1 blocks, max delay ${MAX_DELAY_MS} ms, ${all.length} batches (${all.filter((b) => b.daMode === 'blobs').length} blob, ${blobs} blobs), load avg 1/5/15 min ${loadStart} at start, ${load()} at end`
  report({
    name: 'batcher.blocks_per_s_batched',
    unit: 'blocks/s',
    value: batchedRate,
    baseline: { name: 'blocks/s sealed by the sequencer (same run)', value: sealedRate },
    ratio: batchedRate / sealedRate,
    target: 'keeps up with the sealed rate (ratio ≈ 1)',
    notes: common,
  })
  report({
    name: 'batcher.bytes_per_tx_l1',
    unit: 'bytes/tx',
    value: bytes / txCount,
    notes: common,
  })
  report({
    name: 'batcher.raw_bytes_per_tx',
    unit: 'bytes/tx',
    value: all.reduce((a, b) => a + b.rawBytes, 0) / txCount,
    notes: 'signed tx bytes before the batch codec (baseline for bytes_per_tx_l1)',
  })
  report({
    name: 'batcher.l1_exec_gas_per_tx',
    unit: 'gas/tx',
    value: Number(gas) / txCount,
    notes: `${common}; blob gas not included`,
  })
  report({
    name: 'batcher.l1_blob_gas_per_tx',
    unit: 'blob gas/tx',
    value: (blobs * 131072) / txCount,
    notes: common,
  })
  const target = MAX_DELAY_MS / 1000 + 2 * L1_BLOCK_S
  const lag = (name: string, xs: number[], p: number, what: string) => {
    const v = pct(xs, p)
    report({
      name,
      unit: 's',
      value: v,
      target: `≤ ${target} s (max delay + 2 L1 blocks): ${v <= target ? 'met' : 'missed'}`,
      notes: `${what}; ${common}`,
    })
  }
  const incl = 'block sealed → L1 block holding its commit (L1 timestamps are whole seconds)'
  lag('batcher.lag_inclusion_p50', inclLags, 50, incl)
  lag('batcher.lag_inclusion_p99', inclLags, 99, incl)
  lag('batcher.lag_inclusion_max', inclLags, 100, incl)
  const seen = 'block sealed → batcher saw its commit with 1 confirmation'
  lag('batcher.lag_p50', lags, 50, seen)
  lag('batcher.lag_p99', lags, 99, seen)
  await s.stop()
} finally {
  await sealedQueue.close()
  await env.cleanup()
  await l1.anvil.stop()
}
