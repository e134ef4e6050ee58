import secp256k1 from 'secp256k1'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToBigint } from './hex.js'
import { keccak256 } from './keccak.js'
import { type RecoveryItem, recoverAddress } from './recover.js'
import {
  SenderRecoveryPool,
  SenderRecoveryPoolClosedError,
  SenderRecoveryWorkerError,
} from './recovery-pool.js'
import { InvalidSenderError } from './tx-errors.js'

function items(n: number, seed: number): RecoveryItem[] {
  const out: RecoveryItem[] = []
  for (let i = 0; i < n; i++) {
    const key = keccak256(Uint8Array.of(seed, i & 0xff, i >> 8, 1))
    const hash = keccak256(Uint8Array.of(seed, i & 0xff, i >> 8, 2))
    const { signature, recid } = secp256k1.ecdsaSign(hash, key)
    out.push({
      signingHash: hash,
      r: bytesToBigint(signature.subarray(0, 32)),
      s: bytesToBigint(signature.subarray(32)),
      yParity: recid as 0 | 1,
    })
  }
  return out
}

describe('SenderRecoveryPool', () => {
  const pool = new SenderRecoveryPool({ size: 2 })
  afterAll(() => pool.close())

  it('recovers the same senders as a single thread, in order', async () => {
    const batch = items(1500, 1)
    const expected = batch.map((i) => recoverAddress(i))
    expect(await pool.recover(batch)).toEqual(expected)
    // concurrent batches do not mix
    const [a, b] = await Promise.all([
      pool.recover(batch.slice(0, 700)),
      pool.recover(batch.slice(700)),
    ])
    expect([...a, ...b]).toEqual(expected)
    expect(await pool.recover([])).toEqual([])
  })

  it('reports invalid signatures per item, or rejects with their index', async () => {
    const batch = items(100, 2)
    const high = { ...batch[37]!, s: batch[37]!.s + (1n << 255n) }
    const zero = { ...batch[80]!, r: 0n }
    const bad = batch.map((i, n) => (n === 37 ? high : n === 80 ? zero : i))
    const each = await pool.recoverEach(bad)
    expect(each[37]).toBeNull()
    expect(each[80]).toBeNull()
    expect(each.filter((x) => x === null)).toHaveLength(2)
    expect(each[0]).toBe(recoverAddress(batch[0]!))
    const error = await pool.recover(bad).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidSenderError)
    expect((error as InvalidSenderError).index).toBe(37)
  })

  it('replaces a worker terminated mid-run and redoes its chunk', async () => {
    const batch = items(4000, 3)
    const expected = batch.map((i) => recoverAddress(i))
    const victim = pool.workers[0]!
    const running = pool.recover(batch)
    // the chunk dispatched to this worker is in flight: kill it
    await victim.terminate()
    expect(await running).toEqual(expected)
    expect(pool.workers[0]).not.toBe(victim)
    expect(pool.workers).toHaveLength(2)
    // and the replacement keeps working
    expect(await pool.recover(batch.slice(0, 50))).toEqual(expected.slice(0, 50))
  })

  it('close() rejects pending and later work', async () => {
    const p = new SenderRecoveryPool({ size: 1 })
    const pending = p.recover(items(300, 4)).catch((e: unknown) => e)
    await p.close()
    expect(await pending).toBeInstanceOf(SenderRecoveryPoolClosedError)
    await expect(p.recover(items(1, 5))).rejects.toBeInstanceOf(SenderRecoveryPoolClosedError)
  })

  it('gives up on a chunk that kills its worker every time', async () => {
    const p = new SenderRecoveryPool({
      size: 1,
      maxAttempts: 2,
      workerUrl: new URL('./fixtures/crash-on-message-worker.mjs', import.meta.url),
    })
    try {
      const error = await p.recover(items(10, 6)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SenderRecoveryWorkerError)
      expect((error as Error).message).toContain('died 2 times on the same chunk')
    } finally {
      await p.close()
    }
  })

  it('stops respawning workers that cannot start and rejects with the cause', async () => {
    const p = new SenderRecoveryPool({
      size: 2,
      maxAttempts: 2,
      workerUrl: new URL('./fixtures/broken-worker.mjs', import.meta.url),
    })
    try {
      const first = await p.recover(items(10, 7)).catch((e: unknown) => e)
      expect(first).toBeInstanceOf(SenderRecoveryWorkerError)
      expect(String((first as Error).cause)).toContain('cannot start')
      // every call fails instead of hanging, and soon the pool stops respawning for good
      let last: unknown
      for (let i = 0; i < 10; i++) {
        last = await p.recover(items(1, 8)).catch((e: unknown) => e)
        if ((last as Error).message.includes('without progress')) break
      }
      expect(last).toBeInstanceOf(SenderRecoveryWorkerError)
      expect((last as Error).message).toContain('without progress')
      await expect(p.recover(items(1, 9))).rejects.toBe(last)
    } finally {
      await p.close()
    }
  })
})
