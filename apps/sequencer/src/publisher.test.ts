import type { Address } from '@lanes/core'
import { type RedisHandle, startRedis } from '@lanes/test/harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SealedPublisher } from './publisher.js'
import { Sequencer } from './sequencer.js'
import { tempDir, testConfig, testGenesis } from './testing/fixtures.js'
import { signTx, testKey } from './testing/sign.js'

const KEY = testKey(7)
const TO = '0x00000000000000000000000000000000000000aa' as Address
let redis: RedisHandle

beforeAll(async () => {
  redis = await startRedis({ name: 'seq-publisher' })
}, 30_000)
afterAll(async () => {
  await redis?.stop()
})

async function sealTransfers(s: Sequencer, from: bigint, n: number) {
  for (let i = 0n; i < BigInt(n); i++) {
    await s.submitRawTransaction(signTx(KEY, { chainId: 42069n, nonce: from + i, to: TO }))
    await s.sealNext()
  }
}

async function until(check: () => Promise<boolean> | boolean, ms = 10_000) {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('SealedPublisher', () => {
  it('enqueues one job per block with id block-<n> and resumes from its SQLite cursor', async () => {
    const { dir, cleanup } = tempDir()
    const prefix = `{lanes}-${redis.prefix}`
    try {
      const s1 = Sequencer.open({
        config: testConfig(dir),
        genesis: testGenesis([KEY]),
        autoSeal: false,
      })
      const p1 = new SealedPublisher({ redisUrl: redis.url, prefix, store: s1.store })
      p1.start()
      await sealTransfers(s1, 0n, 3)
      p1.notify(3n)
      await until(() => p1.publishedThrough === 3n)
      await p1.close()
      // blocks sealed while nothing publishes (Redis down, crash) are sent on the next start
      await sealTransfers(s1, 3n, 2)
      const p2 = new SealedPublisher({ redisUrl: redis.url, prefix, store: s1.store })
      p2.start()
      await until(() => p2.publishedThrough === 5n)
      const jobs = await p2.queue.getJobs(['waiting'])
      expect(jobs.map((j) => j.id).sort()).toEqual([
        'block-1',
        'block-2',
        'block-3',
        'block-4',
        'block-5',
      ])
      const j4 = jobs.find((j) => j.id === 'block-4')!
      expect(j4.data.hash).toBe(s1.getBlock(4n, false)!.header.hash)
      await p2.queue.obliterate({ force: true })
      await p2.close()
      await s1.close()
    } finally {
      cleanup()
    }
  }, 30_000)

  it('never blocks sealing when Redis is unreachable', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const s = Sequencer.open({
        config: testConfig(dir),
        genesis: testGenesis([KEY]),
        autoSeal: false,
      })
      let errors = 0
      const p = new SealedPublisher({
        redisUrl: 'redis://127.0.0.1:1',
        prefix: '{lanes}-unreachable',
        store: s.store,
        retryMs: 20,
        addTimeoutMs: 200,
        onError: () => errors++,
      })
      p.start()
      const t = Date.now()
      await sealTransfers(s, 0n, 3)
      p.notify(3n)
      expect(Date.now() - t).toBeLessThan(5000)
      expect(s.headNumber()).toBe(3n)
      await until(() => errors > 0)
      expect(p.publishedThrough).toBe(0n)
      await p.close()
      await s.close()
    } finally {
      cleanup()
    }
  }, 30_000)
})
