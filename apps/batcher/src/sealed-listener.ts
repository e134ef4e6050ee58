import { type Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

/** The sequencer's "sealed" BullMQ queue (apps/sequencer/src/publisher.ts): one job per block. */
export const SEALED_QUEUE = 'sealed'

/** A "sealed" job's data as the sequencer publishes it (job id `block-<n>`). */
export type SealedEvent = { number: string; hash: string; stateRoot: string; txCount: number }

/**
 * Consumes the sequencer's "sealed" events so planning starts as soon as a block seals instead
 * of at the next poll. The event only wakes the planner: blocks are still read over RPC and
 * polling stays as the fallback, so a lost or late event costs at most one poll interval.
 */
export function listenSealed(o: {
  connection: Redis
  prefix: string
  log: Logger
  onSealed: (block: bigint, sealedAtMs: number) => void
}): Worker {
  const w = new Worker(
    SEALED_QUEUE,
    async (job: Job<SealedEvent>) => {
      o.onSealed(BigInt(job.data.number), job.timestamp)
    },
    // trivial work: many at once so a burst after downtime drains quickly
    { connection: o.connection, prefix: o.prefix, concurrency: 64 },
  )
  w.on('error', (err) => o.log.warn({ queue: SEALED_QUEUE, err: err.message }, 'worker error'))
  return w
}
