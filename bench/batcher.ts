// The batcher at the sequencer's peak rate, all on one machine: the real sequencer process
// (apps/sequencer/src/main.ts, 250 ms blocks, publishing "sealed" events to Redis), the real
// batcher (BullMQ + Redis + sandboxed compress child, in this process), anvil (Cancun, L1
// blocks every LANES_BENCH_L1_BLOCK_S s, default 2) with the real Rollup. A load generator sends
// pre-signed transfers from 1000 senders open loop (JSON-RPC batches of 100, 8 in flight) as
// fast as the sequencer accepts them for LANES_BENCH_SECONDS (default 60): the rate it seals
// in this shared stack IS its peak rate here. Then the generator stops and the batcher drains.
// Figures: sealed tx/s and blocks/s, blocks/s batched, backlog (sealed, not yet in a confirmed
// batch) over the run, bytes and L1 gas per tx, lag per block from seal (first seen by a 50 ms
// poll of lanes_syncStatus) to the L1 block holding its commit and to the batcher seeing it
// confirmed, against the target max delay + 2 L1 blocks; load average and CPU per process.
// DA bound: anvil Cancun takes at most 6 blobs per L1 block (target 3): 6 × 130,044 B per block.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { BLOB_PAYLOAD_BYTES, loadKzg, RpcBlockSource } from '@lanes/batcher'
import { type L1Env, L2_CHAIN_ID, startBatcherEnv, startL1Env } from '@lanes/batcher/testing'
import {
  addressOf,
  fromHex,
  type Hex,
  keccak256,
  signTransaction,
  toHex,
  type UnsignedTxFields,
} from '@lanes/core'
import { ANVIL_KEYS } from '@lanes/test/harness'
import { createWalletClient, http, toBlobs } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { report } from './machine.js'
import { startBenchSequencer } from './sequencer-process.js'

const SECONDS = Number(process.env.LANES_BENCH_SECONDS ?? 60)
const L1_BLOCK_S = Number(process.env.LANES_BENCH_L1_BLOCK_S ?? 2)
const MAX_DELAY_MS = Number(process.env.LANES_BENCH_MAX_DELAY_MS ?? 6000)
/** pre-signed txs: more than the sequencer can take in the run (it stops early when they run out) */
const TXS = Number(process.env.LANES_BENCH_TXS ?? 200_000)
const SENDERS = 1000
const BATCH = 100
const IN_FLIGHT = 8
const BLOCK_MS = 250
const VERBOSE = !!process.env.LANES_BENCH_VERBOSE

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}
const r1 = (x: number) => Number(x.toFixed(1))
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join('/')
const log = (s: string) => process.stderr.write(`# ${s}\n`)

/** CPU seconds (user + system) a process used so far; NaN off Linux. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return Number.NaN
  }
}
/** CPU seconds of this process and each descendant, by role (from its command line) */
function cpuByRole(): Record<string, number> {
  const out: Record<string, number> = {}
  const walk = (pid: number, self: boolean) => {
    let cmd = ''
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      return
    }
    const role = self
      ? 'batcher main + load generator'
      : cmd.includes('sequencer')
        ? 'sequencer'
        : cmd.includes('anvil')
          ? 'anvil'
          : cmd.includes('redis')
            ? 'redis'
            : cmd.includes('bullmq')
              ? 'compress child'
              : 'other'
    out[role] = (out[role] ?? 0) + cpuSeconds(pid)
    let kids = ''
    try {
      kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
    } catch {}
    for (const k of kids ? kids.split(' ') : []) walk(Number(k), false)
  }
  walk(process.pid, true)
  return out
}

const keys = Array.from({ length: SENDERS }, (_, i) =>
  fromHex(`0x${(BigInt(i) + 0x7000n).toString(16).padStart(64, '0')}`),
)
const addresses = keys.map((k) => addressOf(k) as Hex)

/** nonce-major: each batch of 100 holds 100 different senders; recipients spread over 10k accounts */
function signAll(n: number): Hex[] {
  const out: Hex[] = []
  for (let i = 0; i < n; i++) {
    const to = toHex(keccak256(new TextEncoder().encode(`acct-${(i * 7919) % 10_000}`))).slice(
      0,
      42,
    ) as Hex
    const f: UnsignedTxFields = {
      type: 2,
      chainId: L2_CHAIN_ID,
      nonce: BigInt(Math.floor(i / SENDERS)),
      gasLimit: 21_000n,
      to,
      value: BigInt(1000 + ((i * 2654435761) % 1_000_000_007)),
      data: new Uint8Array(0),
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      accessList: [],
    }
    out.push(toHex(signTransaction(keys[i % SENDERS]!, f)))
  }
  return out
}

async function rpc(url: string, body: unknown, timeoutMs = 60_000): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  return res.json()
}

/** anvil loads its KZG setup on the first blob tx (10-20 s here): one from another key first */
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

function startSequencer(dir: string, redisUrl: string, prefix: string) {
  return startBenchSequencer({
    dir,
    chainId: L2_CHAIN_ID,
    blockTimeMs: BLOCK_MS,
    senders: addresses,
    args: ['--redis-url', redisUrl, '--queue-prefix', prefix],
  })
}

const loadStart = load()
log(`signing ${TXS} txs`)
const raws = signAll(TXS)
const dir = mkdtempSync(join(os.tmpdir(), 'lanes-bench-batcher-'))
const l1 = await startL1Env({ blockTime: L1_BLOCK_S })
const env = await startBatcherEnv(l1)
await warmAnvilBlobs(l1)
const prefix = `{lanes}${env.redis.prefix}`
const seq = await startSequencer(dir, env.redis.url, prefix)
try {
  const s = await env.build(
    {
      sequencerRpcUrl: seq.url,
      daMode: 'auto',
      maxBatchDelayMs: MAX_DELAY_MS,
      confirmations: 1,
      pollIntervalMs: 200,
    },
    undefined,
    new RpcBlockSource(seq.url),
  )
  await s.start()
  while ((await s.http.inject('/readyz')).statusCode !== 200)
    await new Promise((r) => setTimeout(r, 100))
  const status = async () =>
    BigInt(
      (
        (await rpc(seq.url, { jsonrpc: '2.0', id: 1, method: 'lanes_syncStatus', params: [] })) as {
          result: { sealed: { number: string } }
        }
      ).result.sealed.number,
    )
  const startHead = await status()
  /** block number → when the 50 ms poll first saw it sealed */
  const seenAt = new Map<bigint, number>()
  let polling = true
  let head = startHead
  const poller = (async () => {
    while (polling) {
      const h = await status().catch(() => head)
      const now = Date.now()
      for (let n = head + 1n; n <= h; n++) seenAt.set(n, now)
      if (h > head) head = h
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  /** every second: sealed head, last block in a planned/stored batch, last confirmed block */
  const samples: Array<{ t: number; sealed: number; stored: number; confirmed: number }> = []
  const cpu0 = cpuByRole()
  const t0 = Date.now()
  // plain SQL: store.all() would load every payload each time
  const q = (sql: string) =>
    Number((s.store.db.prepare(sql).get() as { v: bigint | null }).v ?? startHead)
  const sampler = setInterval(() => {
    samples.push({
      t: (Date.now() - t0) / 1000,
      sealed: Number(head - startHead),
      stored: q('SELECT max(last_block) AS v FROM batches') - Number(startHead),
      confirmed:
        q("SELECT max(last_block) AS v FROM batches WHERE status = 'confirmed'") -
        Number(startHead),
    })
  }, 1000)

  // open loop: as fast as the sequencer acknowledges, until the time is up
  let next = 0
  let accepted = 0
  let rejected = 0
  const end = t0 + SECONDS * 1000
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < end && next * BATCH < raws.length) {
        const k = next++
        const batch = raws.slice(k * BATCH, (k + 1) * BATCH)
        const res = (await rpc(
          seq.url,
          batch.map((raw, id) => ({
            jsonrpc: '2.0',
            id,
            method: 'eth_sendRawTransaction',
            params: [raw],
          })),
        )) as Array<{ result?: string }>
        for (const r of res) if (typeof r.result === 'string') accepted++
        rejected += res.length - res.filter((r) => typeof r.result === 'string').length
      }
    }),
  )
  const loadEndAt = Date.now()
  if (next * BATCH >= raws.length) log('ran out of pre-signed txs: raise LANES_BENCH_TXS')
  const loadAtEnd = load()
  // the pool drains into blocks, then the batcher drains: until every accepted tx is in a
  // confirmed batch
  let drainedAt = 0
  const deadline = Date.now() + MAX_DELAY_MS + 180_000
  while (Date.now() < deadline) {
    const done = q(
      `SELECT sum(tx_count) AS v FROM batches WHERE status = 'confirmed' AND last_block > ${startHead}`,
    )
    if (done >= accepted) {
      drainedAt = Date.now()
      break
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  if (!drainedAt) log('not drained within the deadline')
  polling = false
  await poller
  clearInterval(sampler)
  const cpu1 = cpuByRole()
  const cpu = Object.fromEntries(
    Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? 0)]),
  ) as Record<string, number>
  const all = s.store.all().filter((b) => b.status === 'confirmed' && b.lastBlock > startHead)
  if (all.length === 0) {
    log('no batch confirmed: the figures below are meaningless')
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
  let sealedTxsInLoad = 0
  let lastSealInLoad = startHead
  for (const b of all) {
    txCount += b.txCount
    bytes += b.payload?.length ?? 0
    gas += b.l1GasUsed ?? 0n
    blobs += b.daMode === 'blobs' ? (b.blobCount ?? 0) : 0
    for (let n = b.firstBlock; n <= b.lastBlock; n++) {
      const at = seenAt.get(n)
      if (at === undefined) continue
      lags.push(((b.confirmedAtMs ?? 0) - at) / 1000)
      inclLags.push(((l1Time.get(b.minedBlock ?? -1n) ?? 0) - at) / 1000)
      if (at <= loadEndAt && n > lastSealInLoad) lastSealInLoad = n
    }
  }
  // txs sealed while the load ran (the pool may hold more when it stops)
  const src = new RpcBlockSource(seq.url)
  for (let n = startHead + 1n; n <= lastSealInLoad; n += 500n) {
    const to = n + 499n < lastSealInLoad ? n + 499n : lastSealInLoad
    for (const b of await src.getBlockRange(n, to)) sealedTxsInLoad += b.txs.length
  }
  const loadSeconds = (loadEndAt - t0) / 1000
  const sealedTps = sealedTxsInLoad / loadSeconds
  const sealedBps = Number(lastSealInLoad - startHead) / loadSeconds
  const lastConfirmed = Math.max(...all.map((b) => b.confirmedAtMs ?? 0))
  const batchedBlocks = lags.length
  const batchedBps = batchedBlocks / ((lastConfirmed - t0) / 1000)
  // backlog (sealed, not in a confirmed batch) in the first and second half of the load
  const half = (from: number, to: number) =>
    samples.filter((x) => x.t >= from && x.t < to).map((x) => x.sealed - x.confirmed)
  const first = half(5, SECONDS / 2)
  const second = half(SECONDS / 2, SECONDS)
  const drainS = drainedAt ? (drainedAt - loadEndAt) / 1000 : Number.NaN
  const blobsPerL1Block = (blobs / ((lastConfirmed - t0) / 1000)) * L1_BLOCK_S
  const common = `${r1(loadSeconds)} s open-loop load (${accepted} txs accepted, ${rejected} rejected), sequencer 250 ms blocks, anvil ${L1_BLOCK_S} s L1 blocks, max delay ${MAX_DELAY_MS} ms, DA auto, ${all.length} batches (${all.filter((b) => b.daMode === 'blobs').length} blob txs, ${blobs} blobs, ${r1(blobsPerL1Block)} blobs per L1 block of at most 6), load avg 1/5/15 min ${loadStart} at start, ${loadAtEnd} when the load stopped, ${load()} at end`
  if (VERBOSE) {
    for (const x of samples)
      log(
        `t ${x.t.toFixed(0)} s sealed ${x.sealed} stored ${x.stored} confirmed ${x.confirmed} backlog ${x.sealed - x.confirmed}`,
      )
    for (const b of all) {
      const c = await s.pipeline.queues.compress.getJob(`batch-${b.batchIndex}`)
      const at = (ms: number | undefined | null) => (ms ? ((ms - t0) / 1000).toFixed(1) : '-')
      const sent = s.store.attempts(b.batchIndex)[0]?.sentAtMs
      log(
        `batch ${b.batchIndex} blocks ${b.firstBlock}-${b.lastBlock} (${b.txCount} txs) sealed ${at(seenAt.get(b.firstBlock))}..${at(seenAt.get(b.lastBlock))} planned ${at(c?.timestamp)} compress ${at(c?.processedOn)}..${at(c?.finishedOn)} stored ${at(b.createdAtMs)} sent ${at(sent)} included ${at(l1Time.get(b.minedBlock ?? -1n))} confirmed ${at(b.confirmedAtMs)} bytes ${b.payload?.length} ${b.daMode}`,
      )
    }
  }
  report({
    name: 'batcher.sealed_tx_per_s',
    unit: 'tx/s',
    value: r1(sealedTps),
    notes: `the sequencer's peak sealed rate in this stack (sequencer + batcher + anvil + Redis on ${os.cpus().length} cores), ${r1(sealedBps)} blocks/s; ${common}`,
  })
  report({
    name: 'batcher.blocks_per_s_batched',
    unit: 'blocks/s',
    value: r1(batchedBps),
    baseline: { name: 'blocks/s sealed during the load', value: r1(sealedBps) },
    ratio: Number((batchedBps / sealedBps).toFixed(2)),
    notes: `first seal → last confirm, drain tail included; ${common}`,
  })
  report({
    name: 'batcher.backlog_blocks',
    unit: 'blocks',
    value: pct(second, 100),
    baseline: { name: 'max backlog in the first half of the load', value: pct(first, 100) },
    target: 'flat: second half max ≤ first half max + one batch',
    notes: `sealed blocks not yet in a confirmed batch, sampled each second; second-half p50 ${pct(second, 50)}; drained ${r1(drainS)} s after the load stopped; ${common}`,
  })
  report({
    name: 'batcher.bytes_per_tx_l1',
    unit: 'bytes/tx',
    value: r1(bytes / txCount),
    notes: `${txCount} txs; raw signed ${r1(all.reduce((a, b) => a + b.rawBytes, 0) / txCount)} bytes/tx; ${common}`,
  })
  report({
    name: 'batcher.l1_exec_gas_per_tx',
    unit: 'gas/tx',
    value: r1(Number(gas) / txCount),
    notes: `blob gas not included; ${common}`,
  })
  report({
    name: 'batcher.l1_blob_gas_per_tx',
    unit: 'blob gas/tx',
    value: r1((blobs * 131072) / txCount),
    notes: `${r1((txCount / Math.max(1, blobs)) | 0)} txs per blob (${BLOB_PAYLOAD_BYTES} usable bytes); ${common}`,
  })
  const per1k = (k: string) => Number((((cpu[k] ?? 0) * 1000) / txCount).toFixed(3))
  report({
    name: 'batcher.compress_cpu_per_1k_tx',
    unit: 'CPU-s per 1000 txs',
    value: per1k('compress child'),
    baseline: { name: 'sequencer process CPU-s per 1000 txs', value: per1k('sequencer') },
    notes: `CPU-s per 1000 txs by process: ${Object.keys(cpu)
      .sort()
      .map((k) => `${k} ${per1k(k)}`)
      .join(', ')}; ${common}`,
  })
  const target = MAX_DELAY_MS / 1000 + 2 * L1_BLOCK_S
  const lag = (name: string, xs: number[], p: number, what: string) => {
    const v = pct(xs, p)
    report({
      name,
      unit: 's',
      value: r1(v),
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
  await seq.stop()
  await env.cleanup()
  await l1.anvil.stop()
  rmSync(dir, { recursive: true, force: true })
}
