// Executor throughput on 10k-tx blocks over pre-funded state, all figures from one run:
// @ethereumjs/vm runTx (its default MerkleStateManager, sender addresses pre-set so no
// signature recovery is timed), our sequential executor, our ParallelExecutor (1, 2 workers).

import os from 'node:os'
import v8 from 'node:v8'
import vm from 'node:vm'
import { createBlock } from '@ethereumjs/block'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Account as EjsAccount, Address as EjsAddress } from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'
import { type Address, fromHex, type RecoveredTx } from '@lanes/core'
import { type BlockResult, executeBlockAsync, ParallelExecutor } from '@lanes/executor'
import {
  buildTxs,
  buildWorld,
  COUNTER,
  type MemState,
  mappingSlot,
  pairAddr,
  slotHex,
  TOKEN,
  type TxKind,
  WORLD_CONFIG,
  worldEnv,
} from '@lanes/executor/fixtures'
import { report } from './machine.js'

const N = Number(process.env.LANES_BENCH_TXS ?? 10_000)
const RUNTX_N = Math.min(N, 1_000)
const PAIRS = 10
const env = worldEnv(10n ** 12n)
const world = buildWorld(N, PAIRS)

const recipient = (i: number) => N + i
const allScenarios: Record<string, TxKind[]> = {
  transfers: Array.from({ length: N }, (_, i) => ({
    kind: 'transfer',
    from: i,
    to: recipient(i),
    value: 1000n,
  })),
  erc20: Array.from({ length: N }, (_, i) => ({
    kind: 'erc20',
    from: i,
    to: recipient(i),
    amount: 7n,
  })),
  hot: Array.from({ length: N }, (_, i) => ({ kind: 'inc', from: i })),
  swaps: Array.from({ length: N }, (_, i) => ({
    kind: 'swap',
    from: i,
    pair: i % PAIRS,
    amountIn: 10n ** 15n,
    zeroForOne: i % 3 === 0,
  })),
  mix: Array.from({ length: N }, (_, i): TxKind => {
    const r = i % 10
    if (r < 4) return { kind: 'transfer', from: i, to: recipient(i), value: 5n }
    if (r < 7) return { kind: 'erc20', from: i, to: recipient(i), amount: 3n }
    if (r < 9)
      return { kind: 'swap', from: i, pair: i % PAIRS, amountIn: 10n ** 14n, zeroForOne: true }
    return { kind: 'inc', from: i }
  }),
}

// LANES_BENCH_SCENARIOS=transfers,erc20 runs a subset (all by default)
const only = process.env.LANES_BENCH_SCENARIOS?.split(',')
const scenarios = Object.fromEntries(
  Object.entries(allScenarios).filter(([k]) => only === undefined || only.includes(k)),
)
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

const common = createCustomCommon({ chainId: Number(env.chainId) }, Mainnet, {
  hardfork: Hardfork.Cancun,
})

/** runTx on its own VM holding just the accounts and slots the txs touch. */
async function runTxRate(txs: RecoveredTx[], state: MemState): Promise<number> {
  const vm = await createVM({ common })
  const sm = vm.stateManager
  const seen = new Set<Address>()
  // only the slots these txs can touch: reserves/counter, and the senders' mapping entries
  const slots = new Set<string>([slotHex(0n), slotHex(1n)])
  for (const t of txs) for (const i of [0n, 2n, 3n]) slots.add(mappingSlot(t.from, i))
  const put = async (a: Address) => {
    if (seen.has(a)) return
    seen.add(a)
    const acct = state.getAccount(a)
    if (acct === undefined) return
    const ea = new EjsAddress(fromHex(a))
    await sm.putAccount(ea, new EjsAccount(acct.nonce, acct.balance))
    const code = state.getCode(acct.codeHash)
    if (code !== undefined && code.length > 0) await sm.putCode(ea, code)
    for (const [slot, v] of state.storage.get(a) ?? []) {
      if (v !== 0n && slots.has(slot))
        await sm.putStorage(ea, fromHex(slot), fromHex(`0x${v.toString(16).padStart(64, '0')}`))
    }
  }
  for (const c of [TOKEN, COUNTER, ...Array.from({ length: PAIRS }, (_, p) => pairAddr(p))])
    await put(c)
  const ejs = txs.map((t) => {
    const tx = createFeeMarket1559Tx(
      {
        nonce: t.nonce,
        gasLimit: t.gasLimit,
        to: t.to ?? undefined,
        value: t.value,
        data: t.data,
        maxFeePerGas: t.maxFeePerGas,
        maxPriorityFeePerGas: t.maxPriorityFeePerGas,
        chainId: env.chainId,
      },
      { common, freeze: false },
    )
    const sender = new EjsAddress(fromHex(t.from))
    tx.getSenderAddress = () => sender
    return tx
  })
  for (const t of txs) await put(t.from)
  const block = createBlock(
    {
      header: {
        number: env.number,
        timestamp: env.timestamp,
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        coinbase: env.coinbase,
      },
    },
    { common },
  )
  const t0 = performance.now()
  for (const tx of ejs) await runTx(vm, { tx, block })
  return ejs.length / ((performance.now() - t0) / 1000)
}

// A full GC before each timed block: the heap holds a large in-memory world, and a major GC
// landing in one block but not in another (it marks the whole heap) swung the same code by
// 0.6-1.1x between neighbouring figures.
v8.setFlagsFromString('--expose-gc')
const fullGc = vm.runInNewContext('gc') as () => void

/** Wall-clock rate, and the rate by this process's CPU time (robust to a busy machine). */
async function timed(
  f: () => Promise<BlockResult>,
): Promise<{ rate: number; cpuRate: number; r: BlockResult }> {
  fullGc()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const r = await f()
  const cpu = process.cpuUsage(c0)
  return {
    rate: N / ((performance.now() - t0) / 1000),
    cpuRate: Math.round(N / ((cpu.user + cpu.system) / 1e6)),
    r,
  }
}

const p1 = new ParallelExecutor({ workers: 1 })
const p2 = new ParallelExecutor({ workers: 2 })
await Promise.all([p1.warm(), p2.warm()])
// warm-up: JIT (each worker is its own isolate and compiles the EVM anew) and module graphs
// The mix teaches the predictors the call patterns; the ERC20 block (senders from the other end
// of the user range) then runs the independent schedule, so the calling thread's and the
// run-taking worker's code for it is compiled before timing, as in a sequencer's steady state.
{
  const warm = buildTxs(allScenarios.mix!.slice(0, 2000))
  const warm2 = buildTxs(
    Array.from({ length: Math.min(2000, N) }, (_, i) => ({
      kind: 'erc20' as const,
      from: N - 1 - i,
      to: N + i,
      amount: 1n,
    })),
  )
  for (const block of [warm, warm2]) {
    await executeBlockAsync(env, block, world, WORLD_CONFIG)
    await p1.execute(env, block, world, WORLD_CONFIG)
    await p2.execute(env, block, world, WORLD_CONFIG)
  }
  // let the workers' background compilation and GC of the warm-up finish before timing
  await new Promise((resolve) => setTimeout(resolve, 1_000))
}

const targets: Record<string, { seq?: string; p2?: string }> = {
  transfers: { seq: '>= 50000 tx/s' },
  erc20: { seq: '>= 3x runTx', p2: '>= 1.7x sequential' },
  hot: { p2: '>= 0.9x sequential' },
}

for (const [name, kinds] of Object.entries(scenarios)) {
  const txs = buildTxs(kinds)
  const loadBefore = load()
  const baseline = await runTxRate(txs.slice(0, RUNTX_N) as RecoveredTx[], world)
  report({ name: `executor.${name}.runTx`, unit: 'tx/s', value: Math.round(baseline) })
  // The machine is shared: sequential runs before and after the parallel ones, averaged,
  // so a load change during the scenario shifts both sides of the ratio alike.
  const seqA = await timed(() => executeBlockAsync(env, txs, world, WORLD_CONFIG))
  const pars: Array<[string, Awaited<ReturnType<typeof timed>>]> = []
  for (const [label, ex] of [
    ['parallel1', p1],
    ['parallel2', p2],
  ] as const) {
    const par = await timed(() => ex.execute(env, txs, world, WORLD_CONFIG))
    if (par.r.gasUsed !== seqA.r.gasUsed || par.r.receipts.length !== seqA.r.receipts.length)
      throw new Error(`${name} ${label}: result differs from sequential`)
    pars.push([label, par])
  }
  const seqB = await timed(() => executeBlockAsync(env, txs, world, WORLD_CONFIG))
  const seq = {
    rate: (seqA.rate + seqB.rate) / 2,
    cpuRate: Math.round((seqA.cpuRate + seqB.cpuRate) / 2),
    r: seqA.r,
  }
  const failed = seq.r.receipts.filter((x) => x.status === 0).length
  report({
    name: `executor.${name}.sequential`,
    unit: 'tx/s',
    value: Math.round(seq.rate),
    baseline: { name: `executor.${name}.runTx`, value: Math.round(baseline) },
    ratio: Number((seq.rate / baseline).toFixed(2)),
    ...(targets[name]?.seq ? { target: targets[name]!.seq } : {}),
    notes: `${seq.r.receipts.length} included, ${seq.r.invalid.length} invalid, ${failed} failed; by CPU time ${seq.cpuRate} tx/s; load average ${loadBefore} -> ${load()}`,
  })
  report({
    name: `executor.${name}.sequential.cpu`,
    unit: 'tx/CPU-s',
    value: seq.cpuRate,
    notes: `this process's CPU time (all threads); load average ${load()}`,
  })
  for (const [label, par] of pars) {
    report({
      name: `executor.${name}.${label}`,
      unit: 'tx/s',
      value: Math.round(par.rate),
      baseline: { name: `executor.${name}.sequential`, value: Math.round(seq.rate) },
      ratio: Number((par.rate / seq.rate).toFixed(2)),
      ...(label === 'parallel2' && targets[name]?.p2 ? { target: targets[name]!.p2 } : {}),
      notes: `mode=${par.r.mode} reexecutions=${par.r.reexecutions}; process CPU ${Math.round((N / par.cpuRate) * 100) / 100} s, wall ${Math.round((N / par.rate) * 100) / 100} s; load average ${load()}`,
    })
    // CPU efficiency: with W free cores, the wall speedup is at most W × this ratio
    report({
      name: `executor.${name}.${label}.cpu`,
      unit: 'tx/CPU-s',
      value: par.cpuRate,
      baseline: { name: `executor.${name}.sequential.cpu`, value: seq.cpuRate },
      ratio: Number((par.cpuRate / seq.cpuRate).toFixed(2)),
      notes: `all threads of this process; load average ${load()}`,
    })
  }
}
await Promise.all([p1.close(), p2.close()])
