import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  freePort,
  type RedisHandle,
  spawnOwned,
  startRedis,
  stopProcess,
  waitFor,
} from '@lanes/test/harness'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { commitEvents, expectExactlyOnce } from './testing/checks.js'
import { FakeSequencer } from './testing/fake-sequencer.js'
import { BATCHER_KEY, GENESIS_ROOT, type L1Env, L2_CHAIN_ID, startL1Env } from './testing/l1-env.js'
import { serveFakeSequencer } from './testing/sequencer-server.js'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** Live processes whose environment holds `value` (Linux /proc; the batcher's children inherit it). */
function processesWithEnv(value: string): number[] {
  const out: number[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(value)) out.push(Number(pid))
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out
}

describe('batcher as a process (main.ts)', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
  })

  it('rejects bad settings with one line per problem', async () => {
    const child = spawnOwned(process.execPath, ['--import', 'tsx', MAIN, '--confirmations', 'x'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
    })
    let err = ''
    child.stderr?.on('data', (d) => {
      err += d
    })
    const code = await new Promise((r) => child.once('exit', r))
    expect(code).toBe(2)
    expect(err).toContain('--l1-rpc-url / LANES_L1_RPC_URL')
    expect(err).toContain('--confirmations / LANES_CONFIRMATIONS')
  })

  /** anvil + Redis + a fake sequencer with 6 sealed blocks; spawns the batcher process */
  async function setup(extraEnv: Record<string, string> = {}) {
    const l1: L1Env = await startL1Env()
    cleanups.push(l1.anvil.stop)
    const redis: RedisHandle = await startRedis({ name: 'batcher-proc' })
    cleanups.push(redis.stop)
    const dir = mkdtempSync(path.join(tmpdir(), 'lanes-batcher-proc-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const seq = new FakeSequencer(L2_CHAIN_ID, GENESIS_ROOT)
    for (let i = 0; i < 6; i++) await seq.sealBlock(4, 20)
    const srv = await serveFakeSequencer(seq, 5)
    cleanups.push(srv.close)
    const dbPath = path.join(dir, 'batcher.db')
    const port = await freePort()
    const env = {
      ...extraEnv,
      PATH: process.env.PATH,
      LANES_L1_RPC_URL: l1.anvil.url,
      LANES_SEQUENCER_RPC_URL: srv.url,
      LANES_REDIS_URL: redis.url,
      LANES_QUEUE_PREFIX: `{lanes}${redis.prefix}`,
      LANES_DB_PATH: dbPath,
      LANES_ROLLUP_ADDRESS: l1.rollup,
      LANES_BATCHER_KEY: BATCHER_KEY,
      LANES_L2_CHAIN_ID: String(L2_CHAIN_ID),
      LANES_MAX_BLOCKS_PER_BATCH: '2',
      LANES_MAX_BATCH_DELAY_MS: '200',
      LANES_POLL_INTERVAL_MS: '100',
      LANES_CONFIRMATIONS: '1',
      LANES_HTTP_PORT: String(port),
      LANES_ADMIN_TOKEN: 'sesame',
      LANES_LOG_LEVEL: process.env.LANES_TEST_LOG ?? 'warn',
    }
    const spawnBatcher = (over: Record<string, string> = {}): ChildProcess => {
      const c = spawnOwned(process.execPath, ['--import', 'tsx', MAIN], {
        cwd: ROOT,
        env: { ...env, ...over },
      })
      const show = (d: Buffer) => process.env.LANES_TEST_LOG && process.stderr.write(d)
      c.stderr?.on('data', show)
      c.stdout?.on('data', show)
      cleanups.push(() => stopProcess(c))
      return c
    }
    return { l1, seq, dbPath, port, spawnBatcher }
  }

  it('killed with SIGKILL after sending, before confirmation; restarted: no duplicate, no gap', async () => {
    const { l1, seq, dbPath, port, spawnBatcher } = await setup()
    await l1.rpc('evm_setAutomine', [false])
    const first = spawnBatcher()
    const attempts = () => {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true })
      try {
        return db.prepare('SELECT batch_index, nonce FROM attempts').all() as Array<{
          batch_index: number
          nonce: number
        }>
      } finally {
        db.close()
      }
    }
    await waitFor('a commit tx sent', async () => (attempts().length > 0 ? true : undefined), {
      timeoutMs: 90_000,
    })
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    const sentBeforeKill = attempts().length
    // everything the killed process sent is still pending: mine it now
    await l1.rpc('evm_setAutomine', [true])
    await l1.rpc('evm_mine', [])
    spawnBatcher()
    const base = `http://127.0.0.1:${port}`
    await waitFor('ready', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), {
      timeoutMs: 90_000,
    })
    await waitFor(
      'all blocks on L1',
      async () => ((await commitEvents(l1)).at(-1)?.args.lastBlock === 6n ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    )
    await expectExactlyOnce(l1, seq)
    expect(attempts().length).toBeGreaterThanOrEqual(sentBeforeKill)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/lanes_batcher_batches_posted_total\{da="(calldata|blobs)"\} \d+/)
    expect(metrics).toContain('lanes_batcher_backlog_blocks')
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401)
    expect((await fetch(`${base}/admin/queues?token=sesame`)).status).toBe(200)
    expect(
      (
        await fetch(`${base}/admin/queues/api/queues`, {
          headers: { authorization: 'Bearer sesame' },
        })
      ).status,
    ).toBe(200)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  }, 300_000)

  it.each(['planned', 'signed', 'sent'] as const)(
    'killed at the "%s" step (LANES_TEST_CRASH_AT), restarted: contiguous batches, no duplicate, no gap',
    async (point) => {
      const { l1, seq, dbPath, spawnBatcher } = await setup({ LANES_TEST_CRASH_AT: point })
      const first = spawnBatcher()
      const [, signal] = (await new Promise((r) => first.once('exit', (...a) => r(a)))) as [
        number | null,
        NodeJS.Signals | null,
      ]
      expect(signal).toBe('SIGKILL')
      // its compress child (a forked BullMQ sandbox) does not outlive it
      await waitFor(
        'the compress child to exit',
        async () => (processesWithEnv(dbPath).length === 0 ? true : undefined),
        { timeoutMs: 15_000 },
      )
      const db = new Database(dbPath, { readonly: true, fileMustExist: true })
      const planned = db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }
      const sent = db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }
      db.close()
      // it died exactly there: a batch planned; signed (and, for "sent", broadcast) only after
      expect(planned.n).toBeGreaterThan(0)
      expect(sent.n).toBe(point === 'planned' ? 0 : 1)
      const restarted = spawnBatcher({ LANES_TEST_CRASH_AT: '' })
      await waitFor(
        'all blocks on L1',
        async () => ((await commitEvents(l1)).at(-1)?.args.lastBlock === 6n ? true : undefined),
        { timeoutMs: 120_000 },
      )
      await expectExactlyOnce(l1, seq)
      expect(restarted.exitCode).toBeNull()
    },
    300_000,
  )
})
