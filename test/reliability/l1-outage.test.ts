import path from 'node:path'
import type { Hex } from '@lanes/core'
import { type Devnet, startDevnet } from '@lanes/infra/devnet'
import { describe, expect, it } from 'vitest'
import { freePort, waitFor } from '../harness/processes.js'
import { CHAOS, figure, rpc, steadyTraffic, tempDir } from './lib.js'

/**
 * Scenario 5 on the full devnet (anvil + Redis + Rollup + sequencer + batcher + prover as
 * processes): L1 stops answering (anvil SIGSTOPped: connections hang, as on a dead network)
 * for 5 s (chaos: 30 s). L2 must keep sealing blocks, and once L1 is back the batcher must
 * commit everything sealed during the outage; no acknowledged tx is lost.
 */

type Head = { number: Hex } | null
type SyncStatus = { sealed: Head; committed: Head; finalized: Head }

const num = (h: Head) => (h ? Number(BigInt(h.number)) : 0)

describe('scenario 5: L1 unreachable, L2 goes on and the batcher catches up', () => {
  it('short outage on the full devnet', { timeout: 400_000 }, async () => {
    const outageMs = CHAOS ? 30_000 : 5_000
    const tmp = tempDir('lanes-l1down-')
    let devnet: Devnet | undefined
    try {
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
      const d = devnet
      const l2 = d.l2.rpcUrl
      const status = async () => (await rpc(l2, 'lanes_syncStatus')) as SyncStatus
      const sender = d.accounts[5]!.privateKey
      const traffic = steadyTraffic(l2, sender, BigInt(d.l2.chainId))
      const acked = traffic.acked

      // a first batch reaches L1 before the outage
      await waitFor(
        'a first committed batch',
        async () => (num((await status()).committed) > 0 ? true : undefined),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
        },
      )
      const before = await status()
      const anvil = d.anvil.process
      anvil.kill('SIGSTOP')
      const t0 = Date.now()
      let during: SyncStatus
      try {
        await new Promise((r) => setTimeout(r, outageMs))
        during = await status()
      } finally {
        anvil.kill('SIGCONT')
      }
      const sealedInOutage = num(during.sealed) - num(before.sealed)
      const target = num(during.sealed)
      await waitFor(
        'batcher catch-up',
        async () => (num((await status()).committed) >= target ? true : undefined),
        {
          timeoutMs: 180_000,
          intervalMs: 500,
        },
      )
      const catchUpMs = Date.now() - t0 - outageMs
      await traffic.stop()

      // every acknowledged tx is mined
      let lost = 0
      await waitFor(
        'acknowledged txs mined',
        async () => {
          lost = 0
          for (const h of acked) if (!(await rpc(l2, 'eth_getTransactionReceipt', [h]))) lost++
          return lost === 0 ? true : undefined
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      ).catch(() => undefined)
      const after = await status()
      figure('l1-outage', {
        outageMs,
        acknowledged: acked.length,
        lost,
        sealedBefore: num(before.sealed),
        committedBefore: num(before.committed),
        sealedInOutage,
        committedInOutage: num(during.committed) - num(before.committed),
        committedAfter: num(after.committed),
        catchUpMs,
      })
      expect(sealedInOutage).toBeGreaterThan(0)
      expect(num(after.committed)).toBeGreaterThanOrEqual(target)
      expect(lost).toBe(0)
      expect(d.apps.batcher.process().exitCode).toBeNull()
      expect(d.apps.prover.process().exitCode).toBeNull()
      expect(d.apps.sequencer.process().exitCode).toBeNull()
    } finally {
      await devnet?.stop()
      tmp.cleanup()
    }
  })
})
