// The real sequencer process for the benches: genesis funding the bench senders, a temp data
// dir, a free port, started as the devnet starts it (infra/src/devnet-lib.ts).
import { createWriteStream, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnOwned, stopProcess } from '@lanes/test/harness'

export type BenchSequencer = { url: string; pid: number | undefined; stop: () => Promise<void> }

const VAULT = '0x4200000000000000000000000000000000000019'

export async function startBenchSequencer(o: {
  dir: string
  chainId: bigint
  blockTimeMs: number
  /** funded with 10^22 wei each */
  senders: readonly string[]
  /** extra sequencer flags */
  args?: string[]
  /** another checkout's apps/sequencer/src/main.ts, for before/after figures */
  main?: string
  /** extra node flags (e.g. --cpu-prof) */
  nodeArgs?: string[]
}): Promise<BenchSequencer> {
  const alloc: Record<string, { balance: string }> = {}
  for (const a of o.senders) alloc[a] = { balance: (10n ** 22n).toString() }
  const genesis = join(o.dir, 'genesis.json')
  writeFileSync(
    genesis,
    JSON.stringify({
      chainId: Number(o.chainId),
      timestamp: Math.floor(Date.now() / 1000),
      gasLimit: '1000000000',
      blockTimeMs: o.blockTimeMs,
      minBaseFee: '1000000',
      feeVaults: { baseFee: VAULT, priorityFee: VAULT, l1Fee: VAULT },
      alloc,
    }),
  )
  const main = o.main ?? fileURLToPath(new URL('../apps/sequencer/src/main.ts', import.meta.url))
  const child = spawnOwned(
    process.execPath,
    [
      ...(o.nodeArgs ?? []),
      // diagnostics: LANES_BENCH_NODE_ARGS="--trace-gc --heap-prof ..." (space-separated)
      ...(process.env.LANES_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--max-semi-space-size=64', // as the devnet starts it
      '--import',
      'tsx',
      main,
      ...['--genesis', genesis, '--data-dir', join(o.dir, 'data'), '--port', '0'],
      ...['--block-time-ms', String(o.blockTimeMs)],
      ...(o.args ?? []),
    ],
    { env: { ...process.env, LANES_LOG_LEVEL: 'warn' } },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`sequencer did not start: ${out}`)), 60_000)
    child.stderr?.on('data', (d) => {
      out += d
    })
    // diagnostics: LANES_BENCH_CHILD_STDOUT=<file> keeps the process's stdout (e.g. --trace-opt)
    if (process.env.LANES_BENCH_CHILD_STDOUT)
      child.stdout?.pipe(createWriteStream(process.env.LANES_BENCH_CHILD_STDOUT))
    child.stdout?.on('data', (d) => {
      out += d
      const m = /"url":"([^"]+)"/.exec(out)
      if (m) {
        clearTimeout(timer)
        // warnings and errors of the sequencer stay visible during the run
        child.stderr?.on('data', (d) => process.stderr.write(d))
        resolve(m[1]!)
      }
    })
    child.once('exit', (code, sig) => {
      clearTimeout(timer)
      reject(new Error(`sequencer exited ${code ?? sig} before listening: ${out.slice(-2000)}`))
    })
  })
  return { url, pid: child.pid, stop: () => stopProcess(child, 10_000) }
}
