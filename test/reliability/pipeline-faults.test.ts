import path from 'node:path'
import type { Hex } from '@lanes/core'
import { type Devnet, startDevnet } from '@lanes/infra/devnet'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, waitFor } from '../harness/processes.js'
import { CHAOS, figure, rpc, steadyTraffic, tempDir } from './lib.js'

/**
 * Scenarios 2 and 3 on the full devnet: the batcher killed with SIGKILL mid-run (once; chaos:
 * three times at random moments) and the devnet's own Redis wiped (FLUSHALL) mid-run. Each
 * time the pipeline must rebuild from SQLite and L1 and commit every sealed block, with
 * no acknowledged tx lost. Scenario 4 (L1 reorgs) is l1-reorg.test.ts.
 *
 * Chaos only: on this shared 2-core machine the devnet plus two catch-ups take ~4 min. The
 * short kill -9 / Redis-wipe cases are the batcher's own apps/batcher/src/*.int.test.ts.
 */

type Head = { number: Hex } | null
type SyncStatus = { sealed: Head; committed: Head }
const num = (h: Head) => (h ? Number(BigInt(h.number)) : 0)

const tmp = tempDir('lanes-pipefault-')
let devnet: Devnet
let traffic: ReturnType<typeof steadyTraffic> | undefined
let acked: Hex[] = []

const status = async () => (await rpc(devnet.l2.rpcUrl, 'lanes_syncStatus')) as SyncStatus

/** Waits until L1 commits everything sealed now; returns how long that took. */
async function catchUp(what: string): Promise<{ target: number; ms: number }> {
  const t0 = Date.now()
  const target = num((await status()).sealed)
  await waitFor(what, async () => (num((await status()).committed) >= target ? true : undefined), {
    timeoutMs: 180_000,
    intervalMs: 500,
  })
  return { target, ms: Date.now() - t0 }
}

/** Acknowledged hashes that are neither in a block nor in the pool. */
async function lostCount(): Promise<number> {
  let lost = 0
  for (let i = 0; i < acked.length; i += 200) {
    const res = await fetch(devnet.l2.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        acked.slice(i, i + 200).map((h, id) => ({
          jsonrpc: '2.0',
          id,
          method: 'eth_getTransactionByHash',
          params: [h],
        })),
      ),
    })
    for (const r of (await res.json()) as { result?: unknown }[]) if (!r.result) lost++
  }
  return lost
}

describe.runIf(CHAOS)(
  'scenarios 2 and 3: batcher kill -9 and Redis wipe on the full devnet',
  () => {
    beforeAll(async () => {
      devnet = await startDevnet({
        fresh: true,
        dataDir: path.join(tmp.dir, 'devnet'),
        logLevel: 'warn',
        maxBatchDelayMs: 1000,
        confirmations: 1,
        ports: {
          l1: await freePort(),
          l2: await freePort(),
          batcher: await freePort(),
          prover: await freePort(),
        },
        readyTimeoutMs: 180_000,
      })
      const sender = devnet.accounts[6]!.privateKey
      const chainId = BigInt(devnet.l2.chainId)
      traffic = steadyTraffic(devnet.l2.rpcUrl, sender, chainId)
      acked = traffic.acked
      await waitFor(
        'a first committed batch',
        async () => (num((await status()).committed) > 0 ? true : undefined),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
        },
      )
    }, 400_000)

    afterAll(async () => {
      await traffic?.stop()
      await devnet?.stop()
      tmp.cleanup()
    }, 60_000)

    it('batcher kill -9 mid-run, restarted: every sealed block is committed', {
      timeout: 600_000,
    }, async () => {
      const kills = CHAOS ? 3 : 1
      const times: number[] = []
      for (let k = 0; k < kills; k++) {
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 3000))
        const child = devnet.apps.batcher.process()
        child.kill('SIGKILL')
        await new Promise((r) =>
          child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
        )
        await devnet.apps.batcher.restart()
        times.push((await catchUp(`catch-up after batcher kill ${k + 1}`)).ms)
      }
      const lost = await lostCount()
      const s = await status()
      figure('batcher-kill9', {
        kills,
        acknowledged: acked.length,
        lost,
        sealed: num(s.sealed),
        committed: num(s.committed),
        catchUpMs: times.join('/'),
      })
      expect(lost).toBe(0)
      expect(devnet.apps.batcher.process().exitCode).toBeNull()
    })

    it('Redis wiped mid-run: the pipeline rebuilds and goes on', { timeout: 600_000 }, async () => {
      const redis = new Redis(devnet.redisHandle.url, { maxRetriesPerRequest: 1 })
      try {
        expect(devnet.redisHandle.owned, 'only a Redis this run started may be flushed').toBe(true)
        const keysBefore = (await redis.dbsize()) as number
        await redis.flushall()
        const { target, ms } = await catchUp('catch-up after FLUSHALL')
        // and the pipeline goes on past the wipe: new blocks are committed too (chaos: the
        // short variant already saw blocks sealed after the wipe committed)
        const more = CHAOS ? await catchUp('progress after the wipe') : { target }
        const lost = await lostCount()
        figure('redis-wipe', {
          keysWiped: keysBefore,
          acknowledged: acked.length,
          lost,
          committedAfterWipe: target,
          catchUpMs: ms,
          committedLater: more.target,
        })
        expect(lost).toBe(0)
        expect(devnet.apps.batcher.process().exitCode).toBeNull()
        expect(devnet.apps.sequencer.process().exitCode).toBeNull()
      } finally {
        redis.disconnect()
      }
    })
  },
)
