// The sequencer end to end against anvil, same machine, same run: pre-signed EIP-1559
// transfers from 1000 senders, JSON-RPC batches of 100 with 8 in flight. Figures: accepted
// tx/s (all acknowledged), sealed tx/s (all in blocks), p50/p99 submit → inclusion, and the
// load average around each run (the machine is shared: compare ratios, not absolutes).
// Lanes runs as a real process (apps/sequencer/src/main.ts) with state roots and fsync'd
// durability on, sealing every 250 ms.
// Baselines: anvil mining every 250 ms (--block-time 0.25, the same cadence as Lanes) and
// anvil automine. Automine anvil 1.7.1 stops answering eth_sendRawTransaction batches when
// blocks are read while it mines (the old "bench hangs at 4k-10k txs"), so its inclusion is
// read from the senders' nonces after the last submission, without latency figures. anvil can
// also stall outright under this load (no answer to a batch for 20 s): the run then stops and
// the figures cover the txs acknowledged until then, marked STALLED in the notes.
// Env: BENCH_SEQ_TXS (default 20000), BENCH_SEQ_WARMUP (default 2000), BENCH_SEQ_PERF=<file>,
// BENCH_SEQ_ONLY=lanes|anvil, BENCH_SEQ_DEBUG=1 (batch
// timings on stderr), LANES_BENCH_PROF=<dir> (CPU profile of the sequencer process).
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  addressOf,
  fromHex,
  type Hex,
  signTransaction,
  toHex,
  type UnsignedTxFields,
} from '@lanes/core'
import { startAnvil } from '@lanes/test/harness'
import { postJson } from './http-post.js'
import { report } from './machine.js'
import { type BenchSequencer, startBenchSequencer } from './sequencer-process.js'

const TXS = Number(process.env.BENCH_SEQ_TXS ?? 20_000)
const SENDERS = 1000
const BATCH = 100
const IN_FLIGHT = 8
const LANES_CHAIN = 42_069n
// BENCH_SEQ_MAIN: another sequencer main.ts (an older checkout, for before/after figures)
const MAIN =
  process.env.BENCH_SEQ_MAIN ??
  fileURLToPath(new URL('../apps/sequencer/src/main.ts', import.meta.url))
/** how often the inclusion watcher asks for the head (BENCH_SEQ_WATCH_MS, default 10) */
const WATCH_MS = Number(process.env.BENCH_SEQ_WATCH_MS ?? 10)
const DEBUG = process.env.BENCH_SEQ_DEBUG === '1'
/** a batch unanswered this long counts as a stalled node */
const STALL_MS = 20_000
const round = (x: number, d = 0) => Number(x.toFixed(d))

const keys = Array.from({ length: SENDERS }, (_, i) =>
  fromHex(`0x${(BigInt(i) + 0x5000n).toString(16).padStart(64, '0')}`),
)
const addresses = keys.map((k) => addressOf(k) as Hex)
// Warm-up before the clock starts, for Lanes and anvil alike: BENCH_SEQ_WARMUP txs (default
// 2000, 0 = none) from 100 other senders, all sealed before the run. Without it the run also
// pays the node's start-up work (worker threads loading their modules, the JIT): ~0.4 CPU-s of
// a 20k-tx Lanes run, i.e. ~20 us/tx that a running sequencer does not spend.
const WARMUP = Number(process.env.BENCH_SEQ_WARMUP ?? 2000)
const warmKeys = Array.from({ length: 100 }, (_, i) =>
  fromHex(`0x${(BigInt(i) + 0x9000n).toString(16).padStart(64, '0')}`),
)
const warmAddresses = warmKeys.map((k) => addressOf(k) as Hex)
const RECIPIENT = '0x000000000000000000000000000000000000beef' as Hex

/** `count` transfers in nonce-major order: batch k holds 100 different senders. */
function signAll(chainId: bigint, from = keys, count = TXS): Hex[] {
  const out: Hex[] = []
  for (let i = 0; i < count; i++) {
    const s = i % from.length
    const f: UnsignedTxFields = {
      type: 2,
      chainId,
      nonce: BigInt(Math.floor(i / from.length)),
      gasLimit: 21_000n,
      to: RECIPIENT,
      value: 1n,
      data: new Uint8Array(0),
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      accessList: [],
    }
    out.push(toHex(signTransaction(from[s]!, f)))
  }
  return out
}

type RpcResult = { id: number; result?: unknown; error?: { message: string } }

function post(url: string, body: unknown, timeoutMs = 60_000): Promise<RpcResult[] | RpcResult> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return postJson(url, text, timeoutMs) as Promise<RpcResult[] | RpcResult>
}

async function call(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const r = (await post(url, { jsonrpc: '2.0', id: 1, method, params })) as RpcResult
  if (r.error) throw new Error(`${method}: ${r.error.message}`)
  return r.result
}

type RunResult = {
  acceptedTps: number
  sealedTps: number
  p50: number
  p99: number
  errors: number
  /** txs acknowledged before the node stopped answering (undefined: it never did) */
  stalledAfter: number | undefined
  /** acknowledged txs still not in a block when the wait ended (undefined: none) */
  missing?: number
  /** 1-minute load average before and after the run */
  load: [number, number]
}

/**
 * watchWhileSending false (automine anvil): no block reads at all while sending; afterwards
 * sealed = when every sender's nonce shows its acknowledged txs, and no latency figures.
 */
async function run(url: string, raws: Hex[], watchWhileSending = true): Promise<RunResult> {
  const loadBefore = loadavg()[0]!
  const sentAt = new Map<string, number>()
  const includedAt = new Map<string, number>()
  let errors = 0
  let firstError = ''
  let nextBlock = BigInt((await call(url, 'eth_blockNumber')) as string) + 1n
  let watching = true
  // inclusion watcher: new blocks are fetched as they appear; inclusion time = first seen
  const watcher = (async () => {
    while (watching) {
      if (!watchWhileSending) break
      let head: bigint
      try {
        head = BigInt((await call(url, 'eth_blockNumber')) as string)
      } catch (error) {
        process.stderr.write(`watcher: ${String((error as Error).cause ?? error)}\n`)
        await new Promise((r) => setTimeout(r, 50))
        continue
      }
      const now = performance.now()
      for (; nextBlock <= head; nextBlock++) {
        const block = (await call(url, 'eth_getBlockByNumber', [
          `0x${nextBlock.toString(16)}`,
          false,
        ])) as {
          transactions: string[]
        }
        for (const h of block.transactions) includedAt.set(h, now)
      }
      await new Promise((r) => setTimeout(r, WATCH_MS))
    }
  })()

  // request bodies built before the clock starts, as the txs were signed: the load generator
  // shares the 2 cores with the node under test, so it should spend as little as it can
  const batches: string[] = []
  for (let i = 0; i < raws.length; i += BATCH)
    batches.push(
      JSON.stringify(
        raws.slice(i, i + BATCH).map((raw, id) => ({
          jsonrpc: '2.0',
          id,
          method: 'eth_sendRawTransaction',
          params: [raw],
        })),
      ),
    )
  const t0 = performance.now()
  let next = 0
  let stalled = false
  let lastAck = t0
  /** sender index → nonce it has once all its acknowledged txs are in blocks */
  const wantNonce = new Map<number, bigint>()
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (next < batches.length && !stalled) {
      const k = next++
      const batch = batches[k]!
      const sent = performance.now()
      let res: RpcResult[]
      try {
        res = (await post(url, batch, STALL_MS)) as RpcResult[]
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') throw error
        // a node that stops answering: report what it did until then, not a hung bench
        process.stderr.write(`${url}: batch ${k} unanswered after ${STALL_MS} ms, stopping\n`)
        stalled = true
        break
      }
      lastAck = performance.now()
      if (DEBUG) process.stderr.write(`batch ${k}: ${(lastAck - sent).toFixed(0)} ms\n`)
      for (const r of res) {
        if (typeof r.result === 'string') {
          sentAt.set(r.result, sent)
          const i = k * BATCH + r.id
          const want = BigInt(Math.floor(i / SENDERS)) + 1n
          if (want > (wantNonce.get(i % SENDERS) ?? 0n)) wantNonce.set(i % SENDERS, want)
        } else {
          errors++
          firstError ||= r.error?.message ?? 'no result'
        }
      }
    }
  })
  await Promise.all(lanes)
  const accepted = stalled ? lastAck : performance.now()
  const deadline = performance.now() + (stalled ? 10_000 : 120_000)
  while (watchWhileSending && performance.now() < deadline) {
    let missing = 0
    for (const h of sentAt.keys()) if (!includedAt.has(h)) missing++
    if (missing === 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  watching = false
  await watcher
  if (!watchWhileSending) {
    // senders start at nonce 0 (a fresh anvil; the warm-up uses other keys), so a sender's
    // nonce is the number of its txs in blocks
    const seen = await waitForNonces(url, wantNonce, deadline)
    return {
      acceptedTps: sentAt.size / ((accepted - t0) / 1000),
      sealedTps: seen.included / ((seen.at - t0) / 1000),
      missing: seen.included < sentAt.size ? sentAt.size - seen.included : undefined,
      p50: Number.NaN,
      p99: Number.NaN,
      errors,
      stalledAfter: stalled ? sentAt.size : undefined,
      load: [round(loadBefore, 2), round(loadavg()[0]!, 2)],
    }
  }
  let lastIncluded = accepted
  const latencies: number[] = []
  for (const [h, s] of sentAt) {
    const inc = includedAt.get(h)
    if (inc === undefined) continue
    lastIncluded = Math.max(lastIncluded, inc)
    latencies.push(inc - s)
  }
  latencies.sort((a, b) => a - b)
  if (errors > 0) process.stderr.write(`${url}: ${errors} rejected, first: ${firstError}\n`)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN
  return {
    acceptedTps: sentAt.size / ((accepted - t0) / 1000),
    sealedTps: includedAt.size === 0 ? 0 : latencies.length / ((lastIncluded - t0) / 1000),
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    stalledAfter: stalled ? sentAt.size : undefined,
    load: [round(loadBefore, 2), round(loadavg()[0]!, 2)],
  }
}

/** Sends the warm-up txs in batches and waits until all of them are in blocks. */
async function warmUp(url: string, chainId: bigint): Promise<void> {
  if (WARMUP <= 0) return
  const raws = signAll(chainId, warmKeys, WARMUP)
  for (let i = 0; i < raws.length; i += BATCH) {
    const body = raws.slice(i, i + BATCH).map((raw, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'eth_sendRawTransaction',
      params: [raw],
    }))
    const res = (await post(url, body, STALL_MS)) as RpcResult[]
    const bad = res.find((r) => typeof r.result !== 'string')
    if (bad) throw new Error(`warm-up tx rejected: ${bad.error?.message}`)
  }
  // txpool_status (one cheap call) until the pool is empty, then the nonces once: anvil's
  // interval miner stalls while batches of nonce reads keep arriving every few ms
  const deadline = performance.now() + 60_000
  while (performance.now() < deadline) {
    const pool = (await call(url, 'txpool_status')) as { pending: string; queued: string }
    if (BigInt(pool.pending) + BigInt(pool.queued) === 0n) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const n = warmKeys.length
  const want = new Map<number, bigint>()
  for (let s = 0; s < Math.min(n, WARMUP); s++)
    want.set(s, BigInt(Math.floor((WARMUP - 1 - s) / n) + 1))
  if (!(await waitForNonces(url, want, deadline, warmAddresses)).done)
    throw Object.assign(new Error('warm-up txs not sealed within 60 s'), { name: 'TimeoutError' })
}

/** Polls the senders' nonces until each reached `want`; the time it happened, if it did. */
async function waitForNonces(
  url: string,
  want: Map<number, bigint>,
  deadline: number,
  senders: readonly Hex[] = addresses,
): Promise<{ done: boolean; included: number; at: number }> {
  const have = new Map<number, bigint>()
  const total = () => {
    let n = 0n
    for (const [s, w] of want) n += (have.get(s) ?? 0n) < w ? (have.get(s) ?? 0n) : w
    return Number(n)
  }
  let left = [...want.keys()]
  // `at`: when the count last grew, so a node that stops including is not charged the wait
  let at = performance.now()
  while (left.length > 0 && performance.now() < deadline) {
    const res = (await post(
      url,
      left.map((s, id) => ({
        jsonrpc: '2.0',
        id,
        method: 'eth_getTransactionCount',
        params: [senders[s], 'latest'],
      })),
    )) as RpcResult[]
    const now = performance.now()
    const before = total()
    for (const r of res) if (typeof r.result === 'string') have.set(left[r.id]!, BigInt(r.result))
    if (total() > before) at = now
    left = left.filter((s) => (have.get(s) ?? 0n) < want.get(s)!)
    if (left.length === 0) return { done: true, included: total(), at: now }
    await new Promise((r) => setTimeout(r, 20))
  }
  return { done: left.length === 0, included: total(), at }
}

/** CPU seconds (user + system, all threads) a process used so far; NaN off Linux. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks
  } catch {
    return Number.NaN
  }
}

/** BENCH_SEQ_THREADS=1: CPU seconds per thread (name:tid) of a process, for a breakdown on stderr */
function threadCpu(pid: number | undefined): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      out.set(`${comm}:${tid}`, [Number(f[11]) / 100, Number(f[12]) / 100])
    }
  } catch {}
  return out
}

function startLanes(dir: string): Promise<BenchSequencer> {
  return startBenchSequencer({
    dir,
    chainId: LANES_CHAIN,
    blockTimeMs: 250,
    senders: [...addresses, ...warmAddresses],
    main: MAIN,
    // LANES_BENCH_PROF=<dir>: CPU-profile the sequencer process
    nodeArgs: process.env.LANES_BENCH_PROF
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.LANES_BENCH_PROF]
      : [],
  })
}

/** anvil with the bench senders funded; blockTime undefined = automine */
async function runAnvil(blockTime: number | undefined, watchWhileSending: boolean) {
  // anvil 1.7.1's miner sometimes stops for good (see the top), also during the warm-up: a
  // fresh anvil gets a second try before the variant is reported as stalled
  for (let attempt = 1; ; attempt++) {
    const anvil = await startAnvil(blockTime === undefined ? {} : { blockTime })
    try {
      const fund = [...addresses, ...warmAddresses].map((a, id) => ({
        jsonrpc: '2.0',
        id,
        method: 'anvil_setBalance',
        params: [a, '0x21e19e0c9bab2400000'],
      }))
      for (let i = 0; i < fund.length; i += 100) await post(anvil.url, fund.slice(i, i + 100))
      const raws = signAll(BigInt(anvil.chainId))
      try {
        await warmUp(anvil.url, BigInt(anvil.chainId))
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') throw error
        process.stderr.write(
          `${anvil.url}: stalled in the warm-up (attempt ${attempt}): ${(error as Error).message}\n`,
        )
        if (attempt < 2) continue
        return { ...NONE, sealedTps: 0, stalledAfter: 0 }
      }
      return await run(anvil.url, raws, watchWhileSending)
    } catch (error) {
      process.stderr.write(`anvil output (last lines): ${anvil.output().slice(-1500)}\n`)
      throw error
    } finally {
      await anvil.stop()
    }
  }
}

const ONLY = process.env.BENCH_SEQ_ONLY // 'lanes' | 'anvil': one side only (debugging)
const NONE: RunResult = {
  acceptedTps: Number.NaN,
  sealedTps: Number.NaN,
  p50: Number.NaN,
  p99: Number.NaN,
  errors: 0,
  stalledAfter: undefined,
  load: [Number.NaN, Number.NaN],
}
const dir = mkdtempSync(join(tmpdir(), 'lanes-bench-seq-'))
try {
  let lanes = NONE
  /** sequencer process CPU per tx over the run: less sensitive to a busy machine than rates */
  let lanesCpuUs = Number.NaN
  if (ONLY !== 'anvil') {
    const raws = signAll(LANES_CHAIN)
    const node = await startLanes(dir)
    try {
      await warmUp(node.url, LANES_CHAIN)
      const cpu0 = cpuSeconds(node.pid)
      const threads0 = threadCpu(node.pid)
      const clientThreads0 = threadCpu(process.pid)
      const client0 = process.cpuUsage()
      // BENCH_SEQ_PERF=<file>: `perf record` of the sequencer process over the timed run only
      // (native frames: GC, libsecp256k1, SQLite, the kernel; add --perf-basic-prof through
      // LANES_BENCH_NODE_ARGS for JavaScript frames)
      const perf = process.env.BENCH_SEQ_PERF
        ? spawn(
            'perf',
            ['record', '-F', '999', '-g', '-p', `${node.pid}`, '-o', process.env.BENCH_SEQ_PERF],
            {
              stdio: 'ignore',
            },
          )
        : undefined
      lanes = await run(node.url, raws)
      if (perf) {
        perf.kill('SIGINT')
        await new Promise((r) => perf.once('exit', r))
      }
      lanesCpuUs = ((cpuSeconds(node.pid) - cpu0) * 1e6) / TXS
      if (process.env.BENCH_SEQ_THREADS === '1') {
        // the load generator shares the 2 cores: its CPU per tx is part of the budget too
        const c = process.cpuUsage(client0)
        process.stderr.write(
          `bench client: ${round((c.user + c.system) / TXS)} us/tx (sys ${round(c.system / TXS)})\n`,
        )
        for (const [t, [user, sys]] of threadCpu(process.pid)) {
          const [user0, sys0] = clientThreads0.get(t) ?? [0, 0]
          const us = ((user + sys - user0 - sys0) * 1e6) / TXS
          if (us >= 1) process.stderr.write(`client thread ${t}: ${round(us)} us/tx\n`)
        }
        // where the block time goes: the builder's own timing histograms (sums over the run)
        const text = await (await fetch(`${node.url}/metrics`)).text()
        for (const line of text.split('\n'))
          if (
            /^lanes_sequencer_block_\w+_seconds_sum|^lanes_sequencer_sealed_blocks_total/.test(line)
          )
            process.stderr.write(`metric ${line}\n`)
      }
      if (process.env.BENCH_SEQ_THREADS === '1')
        for (const [t, [user, sys]] of threadCpu(node.pid)) {
          const [user0, sys0] = threads0.get(t) ?? [0, 0]
          const us = ((user + sys - user0 - sys0) * 1e6) / TXS
          const sysUs = ((sys - sys0) * 1e6) / TXS
          if (us >= 1)
            process.stderr.write(`thread ${t}: ${round(us)} us/tx (sys ${round(sysUs)})\n`)
        }
    } finally {
      await node.stop()
    }
  }
  let anvil = NONE
  let automine = NONE
  if (ONLY !== 'lanes') {
    anvil = await runAnvil(0.25, true)
    automine = await runAnvil(undefined, false)
  }

  const base = (name: string, value: number) => ({ name, value: round(value) })
  const load = (r: RunResult) =>
    `load ${r.load[0]} → ${r.load[1]}${r.stalledAfter === undefined ? '' : `, STALLED after ${r.stalledAfter} acked txs (rates cover those)`}${r.missing === undefined ? '' : `, ${r.missing} acked txs never in a block (sealed rate covers the rest)`}`
  const notes = `${TXS} EIP-1559 transfers, ${SENDERS} senders, batches of ${BATCH}, ${IN_FLIGHT} in flight; Lanes ${lanes.errors} rejected, ${load(lanes)}; anvil (250 ms blocks) ${load(anvil)}; anvil automine ${load(automine)}`
  report({
    name: 'sequencer accepted tx/s',
    unit: 'tx/s',
    value: round(lanes.acceptedTps),
    baseline: base('anvil accepted tx/s (250 ms blocks)', anvil.acceptedTps),
    ratio: round(lanes.acceptedTps / anvil.acceptedTps, 2),
    notes,
  })
  report({
    name: 'sequencer sealed tx/s',
    unit: 'tx/s',
    value: round(lanes.sealedTps),
    baseline: base('anvil sealed tx/s (250 ms blocks)', anvil.sealedTps),
    ratio: round(lanes.sealedTps / anvil.sealedTps, 2),
    target: '>= 12000 tx/s and >= 2x anvil',
    notes,
  })
  report({
    name: 'sequencer sealed tx/s vs anvil automine',
    unit: 'tx/s',
    value: round(lanes.sealedTps),
    baseline: base('anvil automine sealed tx/s (blocks read after submission)', automine.sealedTps),
    ratio: round(lanes.sealedTps / automine.sealedTps, 2),
    notes: `anvil automine accepted ${round(automine.acceptedTps)} tx/s; ${load(automine)}`,
  })
  report({
    name: 'sequencer process CPU per tx',
    unit: 'us/tx',
    value: round(lanesCpuUs),
    notes: 'user + system time of the sequencer process (all threads) during the Lanes run / txs',
  })
  report({
    name: 'sequencer submit to inclusion p50',
    unit: 'ms',
    value: round(lanes.p50),
    baseline: base('anvil p50 (250 ms blocks)', anvil.p50),
    target: '<= block time (250 ms) + 50 ms',
  })
  report({
    name: 'sequencer submit to inclusion p99',
    unit: 'ms',
    value: round(lanes.p99),
    baseline: base('anvil p99 (250 ms blocks)', anvil.p99),
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
