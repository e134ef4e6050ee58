import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type RedisHandle, startRedis, waitFor } from '@lanes/test/harness'
import pino from 'pino'
import type { BlockSource } from '../block-source.js'
import { type Config, parseConfig } from '../config.js'
import { ViemL1Client } from '../l1/client.js'
import { type BatcherService, createBatcherService } from '../service.js'
import { FakeSequencer } from './fake-sequencer.js'
import { BATCHER_KEY, GENESIS_ROOT, type L1Env, L2_CHAIN_ID } from './l1-env.js'

export type Env = {
  redis: RedisHandle
  dir: string
  seq: FakeSequencer
  config: (over?: Partial<Config>) => Config
  /** a batcher over `source` (default: the FakeSequencer) */
  build: (over?: Partial<Config>, l1Url?: string, source?: BlockSource) => Promise<BatcherService>
  cleanup: () => Promise<void>
}

export async function startBatcherEnv(l1: L1Env): Promise<Env> {
  const redis = await startRedis({ name: 'batcher' })
  const dir = mkdtempSync(path.join(tmpdir(), 'lanes-batcher-'))
  const seq = new FakeSequencer(L2_CHAIN_ID, GENESIS_ROOT)
  const services: BatcherService[] = []
  const config = (over: Partial<Config> = {}): Config => ({
    ...parseConfig([], {
      LANES_L1_RPC_URL: l1.anvil.url,
      LANES_SEQUENCER_RPC_URL: 'http://127.0.0.1:1',
      LANES_REDIS_URL: redis.url,
      LANES_DB_PATH: path.join(dir, 'batcher.db'),
      LANES_ROLLUP_ADDRESS: l1.rollup,
      LANES_BATCHER_KEY: BATCHER_KEY,
      LANES_L2_CHAIN_ID: String(L2_CHAIN_ID),
      LANES_QUEUE_PREFIX: `{lanes}${redis.prefix}`,
      LANES_POLL_INTERVAL_MS: '100',
      LANES_MAX_BATCH_DELAY_MS: '500',
      LANES_CONFIRMATIONS: '1',
      LANES_LOG_LEVEL: process.env.LANES_TEST_LOG ?? 'silent',
    }),
    ...over,
  })
  return {
    redis,
    dir,
    seq,
    config,
    async build(over = {}, l1Url, source) {
      const c = config(over)
      const s = await createBatcherService({
        config: c,
        l1: new ViemL1Client(l1Url ?? c.l1RpcUrl, c.rollupAddress as `0x${string}`),
        source: source ?? seq,
        log: pino({ level: c.logLevel }),
      })
      services.push(s)
      return s
    },
    async cleanup() {
      for (const s of services) await s.stop().catch(() => {})
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** wait until every sealed block is in a confirmed batch */
export async function waitAllConfirmed(
  s: BatcherService,
  seq: FakeSequencer,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    'all blocks confirmed',
    async () => {
      const all = s.store.all()
      const last = all.at(-1)
      return last &&
        last.lastBlock === BigInt(seq.blocks.length) &&
        all.every((b) => b.status === 'confirmed')
        ? true
        : undefined
    },
    { timeoutMs, intervalMs: 100 },
  )
}
