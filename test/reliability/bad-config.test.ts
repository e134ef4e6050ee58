import { describe, expect, it } from 'vitest'
import {
  CHAOS,
  cleanEnv,
  figure,
  type RunResult,
  runScript,
  tempDir,
  testKey,
  writeGenesis,
} from './lib.js'

/**
 * Scenario 8: every invalid flag or env value of each app stops start-up with an exit code
 * other than 0 and exactly one stderr line that names the setting. A case the app does not
 * reject would start serving: it is killed after a timeout and fails.
 */

type App = 'sequencer' | 'batcher' | 'prover-stub'
type Case = {
  app: App
  name: string
  /** flags replacing / added to the app's valid baseline; a null value drops the flag */
  flags?: Record<string, string | null>
  /** raw extra argv after the flags */
  extra?: string[]
  env?: Record<string, string>
  /** the line must contain one of these */
  names: string[]
  /** part of the short variant in `npm test` */
  short?: boolean
}

// the apps' "up and serving" log lines
const STARTED = /"msg":"(listening|batcher running|prover started)"/

const tmp = tempDir('lanes-badcfg-')
const genesis = writeGenesis(tmp.dir, [testKey(1)])
const KEY = `0x${'11'.repeat(32)}`
const ADDR = `0x${'22'.repeat(20)}`

const BASE: Record<App, Record<string, string>> = {
  sequencer: { '--genesis': genesis, '--data-dir': `${tmp.dir}/seq`, '--port': '0' },
  batcher: {
    '--l1-rpc-url': 'http://127.0.0.1:9',
    '--sequencer-rpc-url': 'http://127.0.0.1:9',
    '--redis-url': 'redis://127.0.0.1:9',
    '--db-path': `${tmp.dir}/batcher.db`,
    '--rollup-address': ADDR,
    '--batcher-key': KEY,
    '--l2-chain-id': '42069',
    '--http-port': '0',
  },
  'prover-stub': {
    '--genesis': genesis,
    '--data-dir': `${tmp.dir}/prover`,
    '--l1-rpc-url': 'http://127.0.0.1:9',
    '--rollup-address': ADDR,
    '--prover-key': KEY,
    '--port': '0',
  },
}

const CASES: Case[] = [
  // sequencer
  { app: 'sequencer', name: 'bad int', flags: { '--port': 'abc' }, names: ['--port'], short: true },
  { app: 'sequencer', name: 'out of range', flags: { '--port': '70000' }, names: ['--port'] },
  {
    app: 'sequencer',
    name: 'zero block time',
    flags: { '--block-time-ms': '0' },
    names: ['--block-time-ms'],
  },
  {
    app: 'sequencer',
    name: 'env bad int',
    env: { LANES_RPC_BATCH_LIMIT: 'ten' },
    names: ['LANES_RPC_BATCH_LIMIT'],
  },
  {
    app: 'sequencer',
    name: 'env out of range',
    env: { LANES_EXECUTOR_WORKERS: '0' },
    names: ['LANES_EXECUTOR_WORKERS'],
  },
  {
    app: 'sequencer',
    name: 'bad address',
    flags: { '--rollup-address': '0x1234' },
    names: ['--rollup-address'],
  },
  { app: 'sequencer', name: 'bad enum', flags: { '--log-level': 'loud' }, names: ['--log-level'] },
  {
    app: 'sequencer',
    name: 'bad bool',
    extra: ['--parallel-execution=maybe'],
    names: ['--parallel-execution'],
  },
  {
    app: 'sequencer',
    name: 'bad wei',
    flags: { '--pool-min-tip-wei': '-5' },
    names: ['--pool-min-tip-wei'],
  },
  {
    app: 'sequencer',
    name: 'unknown flag',
    extra: ['--no-such-flag', '1'],
    names: ['--no-such-flag'],
  },
  {
    app: 'sequencer',
    name: 'missing value',
    extra: ['--block-time-ms'],
    names: ['--block-time-ms'],
  },
  {
    app: 'sequencer',
    name: 'missing required',
    flags: { '--genesis': null },
    names: ['--genesis'],
    short: true,
  },
  {
    app: 'sequencer',
    name: 'bad L1 URL',
    flags: { '--l1-rpc-url': 'not a url' },
    names: ['--l1-rpc-url'],
  },
  {
    app: 'sequencer',
    name: 'bad Redis URL',
    flags: { '--redis-url': 'localhost:6379' },
    names: ['--redis-url'],
  },
  {
    app: 'sequencer',
    name: 'genesis file missing',
    flags: { '--genesis': `${tmp.dir}/nope.json` },
    names: ['--genesis', 'nope.json'],
  },
  // batcher
  {
    app: 'batcher',
    name: 'bad int',
    flags: { '--max-pending-txs': 'x' },
    names: ['--max-pending-txs'],
    short: true,
  },
  {
    app: 'batcher',
    name: 'out of range',
    flags: { '--confirmations': '0' },
    names: ['--confirmations'],
  },
  {
    app: 'batcher',
    name: 'port out of range',
    flags: { '--http-port': '70000' },
    names: ['--http-port'],
  },
  {
    app: 'batcher',
    name: 'env bad int',
    env: { LANES_POLL_INTERVAL_MS: '1e3' },
    names: ['LANES_POLL_INTERVAL_MS'],
  },
  {
    app: 'batcher',
    name: 'bad address',
    flags: { '--rollup-address': '0xzz' },
    names: ['--rollup-address'],
  },
  {
    app: 'batcher',
    name: 'bad key',
    flags: { '--batcher-key': '0x1234' },
    names: ['--batcher-key'],
  },
  {
    app: 'batcher',
    name: 'key above curve order',
    flags: { '--batcher-key': `0x${'ff'.repeat(32)}` },
    names: ['--batcher-key'],
  },
  { app: 'batcher', name: 'bad enum', flags: { '--da-mode': 'tape' }, names: ['--da-mode'] },
  { app: 'batcher', name: 'unknown flag', extra: ['--frobnicate=1'], names: ['--frobnicate'] },
  {
    app: 'batcher',
    name: 'missing required',
    flags: { '--batcher-key': null },
    names: ['--batcher-key'],
    short: true,
  },
  {
    app: 'batcher',
    name: 'bad L1 URL',
    flags: { '--l1-rpc-url': 'not a url' },
    names: ['--l1-rpc-url'],
  },
  {
    app: 'batcher',
    name: 'bad Redis URL',
    flags: { '--redis-url': 'localhost:6379' },
    names: ['--redis-url'],
  },
  // prover-stub
  {
    app: 'prover-stub',
    name: 'bad int',
    flags: { '--poll-ms': 'abc' },
    names: ['--poll-ms'],
  },
  { app: 'prover-stub', name: 'out of range', flags: { '--port': '99999' }, names: ['--port'] },
  {
    app: 'prover-stub',
    name: 'env below minimum',
    env: { LANES_POLL_MS: '5' },
    names: ['LANES_POLL_MS'],
  },
  {
    app: 'prover-stub',
    name: 'bad URL',
    flags: { '--l1-rpc-url': 'ftp://x' },
    names: ['--l1-rpc-url'],
    short: true,
  },
  {
    app: 'prover-stub',
    name: 'bad address',
    flags: { '--rollup-address': '0x1' },
    names: ['--rollup-address'],
  },
  {
    app: 'prover-stub',
    name: 'bad key',
    flags: { '--prover-key': '0x1234' },
    names: ['--prover-key'],
  },
  {
    app: 'prover-stub',
    name: 'zero key',
    flags: { '--prover-key': `0x${'00'.repeat(32)}` },
    names: ['--prover-key'],
  },
  { app: 'prover-stub', name: 'unknown flag', extra: ['--frobnicate'], names: ['--frobnicate'] },
  {
    app: 'prover-stub',
    name: 'missing required',
    flags: { '--prover-key': null },
    names: ['--prover-key'],
    short: true,
  },
  {
    app: 'prover-stub',
    name: 'bad enum',
    flags: { '--log-level': 'loud' },
    names: ['--log-level'],
  },
]

function argvOf(c: Case): string[] {
  const flags: Record<string, string | null> = { ...BASE[c.app], ...c.flags }
  const argv: string[] = []
  for (const [f, v] of Object.entries(flags)) if (v !== null) argv.push(f, v)
  return [...argv, ...(c.extra ?? [])]
}

/** Why the run does not meet the promise, or undefined when it does. */
function verdict(c: Case, r: RunResult): string | undefined {
  if (r.started) return 'started with the bad value'
  if (r.code === null) return 'did not stop within the timeout'
  if (r.code === 0) return 'exited 0'
  // the batcher heads its list of problems with a fixed line; the problems are one line each
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && l !== 'invalid batcher configuration:')
  if (lines.length !== 1)
    return `${lines.length} stderr lines: ${JSON.stringify(r.stderr.slice(0, 300))}; stdout ${JSON.stringify(r.stdout.slice(0, 200))}`
  if (!c.names.some((n) => lines[0]!.includes(n)))
    return `line does not name ${c.names[0]}: ${lines[0]}`
  return undefined
}

async function runAll(cases: Case[], parallel: number) {
  const out: { c: Case; r: RunResult; bad: string | undefined }[] = []
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!
      const r = await runScript(
        `apps/${c.app}/src/main.ts`,
        argvOf(c),
        cleanEnv(c.env),
        120_000,
        STARTED,
      )
      out.push({ c, r, bad: verdict(c, r) })
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return out
}

function report(results: Awaited<ReturnType<typeof runAll>>) {
  const failed = results.filter((x) => x.bad)
  figure('bad-config', {
    cases: results.length,
    rejectedWithOneLine: results.length - failed.length,
    failed: failed.length,
  })
  for (const x of results)
    process.stdout.write(
      `  ${x.bad ? 'FAIL' : 'ok  '} ${x.c.app} ${x.c.name} (${x.r.ms} ms): ${x.bad ?? x.r.stderr.trim().replace(/\n\s*/g, ' ')}\n`,
    )
  return failed.map((x) => `${x.c.app} ${x.c.name}: ${x.bad}`)
}

describe('scenario 8: bad config stops start-up with one clear line', () => {
  it('short: a few cases per app', { timeout: 120_000 }, async () => {
    const results = await runAll(
      CASES.filter((c) => c.short),
      3,
    )
    expect(report(results)).toEqual([])
  })

  it.runIf(CHAOS)('every case of every app', { timeout: 600_000 }, async () => {
    const results = await runAll(CASES, 4)
    tmp.cleanup()
    expect(report(results)).toEqual([])
  })
})
