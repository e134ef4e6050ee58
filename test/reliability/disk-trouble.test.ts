import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Hex } from '@lanes/core'
import { describe, expect, it } from 'vitest'
import {
  CHAOS,
  figure,
  type RpcReply,
  rawTx,
  type SequencerProc,
  startSequencer,
  tempDir,
  testKey,
  writeGenesis,
} from './lib.js'

/**
 * Scenario 6: the sequencer's disk stops taking writes while txs stream in. It must refuse
 * (a JSON-RPC error that says so) rather than acknowledge a tx it could not make durable:
 * after a restart on a healthy disk every acknowledged hash is in a block or in the pool.
 *
 * Simulated here: (short) RLIMIT_FSIZE on the process, so every write past the limit fails
 * with EFBIG, which is what SQLite sees of a full disk for its files; (chaos, needs root)
 * a real tmpfs that fills up (ENOSPC); (root on ext4/xfs) the database files made immutable
 * mid-stream, so each write fails with EPERM as on a file turned read-only.
 */

/** chattr +i needs root and a filesystem with the immutable attribute (ext4, xfs). */
function chattrWorks(): boolean {
  if (process.getuid?.() !== 0) return false
  const probe = tempDir('lanes-chattr-')
  const f = path.join(probe.dir, 'probe')
  try {
    writeFileSync(f, 'x')
    execFileSync('chattr', ['+i', f], { stdio: 'ignore' })
    execFileSync('chattr', ['-i', f], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    probe.cleanup()
  }
}

const SENDERS = Array.from({ length: 8 }, (_, i) => testKey(600 + i))

type Tally = {
  acked: Set<Hex>
  rejected: number
  /** distinct error texts of rejected sends */
  errors: Map<string, number>
  connectionErrors: number
}

/** Streams batches (one tx per sender) until `until()` or the sends keep failing. */
async function stream(seq: SequencerProc, nonces: bigint[], tally: Tally, until: () => boolean) {
  let failingBatches = 0
  while (!until() && failingBatches < 20) {
    const calls: [string, unknown[]][] = SENDERS.map((k, i) => [
      'eth_sendRawTransaction',
      [rawTx(k, { nonce: nonces[i]! })],
    ])
    let replies: RpcReply[]
    try {
      replies = await seq.batch(calls)
    } catch {
      tally.connectionErrors++
      failingBatches++
      await new Promise((r) => setTimeout(r, 100))
      continue
    }
    let ok = 0
    replies.forEach((r, i) => {
      if (typeof r.result === 'string') {
        tally.acked.add(r.result as Hex)
        nonces[i]! += 1n
        ok++
      } else {
        tally.rejected++
        const text = `${r.error?.code} ${r.error?.message}`
        tally.errors.set(text, (tally.errors.get(text) ?? 0) + 1)
      }
    })
    failingBatches = ok === 0 ? failingBatches + 1 : 0
  }
}

/** Restarts on `dataDir` and counts acknowledged hashes that are neither mined nor pooled. */
async function lostAfterRestart(genesis: string, dataDir: string, acked: Set<Hex>) {
  const seq = await startSequencer({ genesis, dataDir })
  try {
    const hashes = [...acked]
    let lost = 0
    let mined = 0
    for (let i = 0; i < hashes.length; i += 200) {
      const replies = await seq.batch(
        hashes.slice(i, i + 200).map((h) => ['eth_getTransactionByHash', [h]]),
      )
      for (const r of replies) {
        const tx = r.result as { blockNumber: Hex | null } | null
        if (!tx) lost++
        else if (tx.blockNumber !== null) mined++
      }
    }
    return { lost, mined, pooled: hashes.length - lost - mined }
  } finally {
    await seq.stop()
  }
}

/** 'alive', or the exit code with the fatal log line's message (why it stopped). */
function exitOf(seq: SequencerProc): string {
  if (seq.child.signalCode) return `killed by ${seq.child.signalCode}`
  if (seq.child.exitCode === null) return 'alive'
  const fatal = seq
    .output()
    .split('\n')
    .find((l) => l.includes('"level":60'))
  return `exited ${seq.child.exitCode}: ${fatal?.slice(0, 400) ?? '(no fatal line)'}`
}

function newTally(): Tally {
  return { acked: new Set(), rejected: 0, errors: new Map(), connectionErrors: 0 }
}

function report(
  scenario: string,
  tally: Tally,
  after: { lost: number; mined: number; pooled: number },
  exit: string,
) {
  figure(scenario, {
    acknowledged: tally.acked.size,
    rejected: tally.rejected,
    connectionErrors: tally.connectionErrors,
    ...after,
    sequencer: exit,
    errors: JSON.stringify(Object.fromEntries(tally.errors)),
  })
}

/** A refusal must say what went wrong: not an anonymous internal error. */
function unclearErrors(tally: Tally): string[] {
  return [...tally.errors.keys()].filter((e) => e.startsWith('-32603') || /internal error$/.test(e))
}

describe('scenario 6: disk trouble stops acknowledgements, loses nothing acknowledged', () => {
  it('file size limit (EFBIG, as a full disk)', { timeout: 300_000 }, async () => {
    const tmp = tempDir('lanes-disk-')
    try {
      const genesis = writeGenesis(tmp.dir, SENDERS)
      const dataDir = path.join(tmp.dir, 'data')
      const seq = await startSequencer({ genesis, dataDir, fileSizeLimitKb: 3 * 1024 })
      const tally = newTally()
      const deadline = Date.now() + (CHAOS ? 180_000 : 90_000)
      await stream(
        seq,
        SENDERS.map(() => 0n),
        tally,
        () => Date.now() > deadline,
      )
      const exit = exitOf(seq)
      await seq.stop()
      const after = await lostAfterRestart(genesis, dataDir, tally.acked)
      report('disk-full-efbig', tally, after, exit)
      expect(tally.acked.size).toBeGreaterThan(0)
      expect(tally.rejected + tally.connectionErrors, 'the limit was never hit').toBeGreaterThan(0)
      expect(after.lost).toBe(0)
      if (CHAOS) expect(unclearErrors(tally)).toEqual([])
    } finally {
      tmp.cleanup()
    }
  })

  // Read-only: `mount -o remount,ro` is refused (EBUSY) while the sequencer holds its files open
  // for writing and root ignores chmod, but the immutable attribute (chattr +i, root on ext4 or
  // xfs) makes every write() on an already open descriptor fail with EPERM: the database files
  // turn read-only under the running process.
  it.runIf(chattrWorks())(
    'database files made read-only (chattr +i) mid-stream',
    { timeout: 300_000 },
    async () => {
      const tmp = tempDir('lanes-disk-ro-')
      const dataDir = path.join(tmp.dir, 'data')
      const frozen: string[] = []
      try {
        const genesis = writeGenesis(tmp.dir, SENDERS)
        const seq = await startSequencer({ genesis, dataDir })
        const tally = newTally()
        const nonces = SENDERS.map(() => 0n)
        let deadline = Date.now() + (CHAOS ? 20_000 : 5_000)
        await stream(seq, nonces, tally, () => Date.now() > deadline)
        const ackedBefore = tally.acked.size
        // not the -shm index: it is mmap'd, and a store to an immutable mapping is a SIGBUS,
        // which no read-only file or filesystem causes (a ro remount is refused while open)
        for (const f of readdirSync(dataDir).filter((n) => !n.endsWith('-shm'))) {
          execFileSync('chattr', ['+i', path.join(dataDir, f)])
          frozen.push(path.join(dataDir, f))
        }
        deadline = Date.now() + (CHAOS ? 30_000 : 8_000)
        await stream(seq, nonces, tally, () => Date.now() > deadline)
        const exit = exitOf(seq)
        await seq.stop()
        for (const f of frozen.splice(0)) execFileSync('chattr', ['-i', f])
        const after = await lostAfterRestart(genesis, dataDir, tally.acked)
        report('disk-read-only-chattr', tally, after, exit)
        expect(ackedBefore).toBeGreaterThan(0)
        expect(tally.rejected + tally.connectionErrors, 'writes never failed').toBeGreaterThan(0)
        expect(after.lost).toBe(0)
        expect(unclearErrors(tally)).toEqual([])
      } finally {
        for (const f of frozen) execFileSync('chattr', ['-i', f])
        tmp.cleanup()
      }
    },
  )

  const isRoot = process.getuid?.() === 0
  for (const mode of ['full'] as const) {
    it.runIf(CHAOS)(`tmpfs ${mode} (needs root to mount)`, { timeout: 300_000 }, async () => {
      expect(isRoot, 'mounting a tmpfs needs root').toBe(true)
      const tmp = tempDir('lanes-disk-')
      const mnt = path.join(tmp.dir, 'mnt')
      mkdirSync(mnt)
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt])
      try {
        const genesis = writeGenesis(tmp.dir, SENDERS)
        const dataDir = path.join(mnt, 'data')
        const seq = await startSequencer({ genesis, dataDir })
        const tally = newTally()
        const nonces = SENDERS.map(() => 0n)
        const deadline = Date.now() + 60_000
        await stream(seq, nonces, tally, () => Date.now() > deadline)
        const exit = exitOf(seq)
        await seq.stop()
        execFileSync('mount', ['-o', 'remount,size=256m', mnt])
        const after = await lostAfterRestart(genesis, dataDir, tally.acked)
        report(`disk-tmpfs-${mode}`, tally, after, exit)
        expect(tally.rejected + tally.connectionErrors).toBeGreaterThan(0)
        expect(after.lost).toBe(0)
        expect(unclearErrors(tally)).toEqual([])
      } finally {
        execFileSync('umount', ['-l', mnt])
        tmp.cleanup()
      }
    })
  }
})
