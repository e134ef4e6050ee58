import type { Hex } from '@lanes/core'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import pino, { type Logger } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import type { BlockSource } from './block-source.js'
import type { Config } from './config.js'
import { buildHttp } from './http.js'
import type { L1Client } from './l1/client.js'
import { type BatcherMetrics, createMetrics } from './metrics.js'
import { Pipeline } from './pipeline.js'
import { BatchStore } from './store.js'
import { TxManager } from './tx-manager.js'

export type BatcherServiceDeps = {
  config: Config
  l1: L1Client
  source: BlockSource
  log?: Logger
  /** key prefix for BullMQ; defaults to config.queuePrefix */
  now?: () => number
}

export type BatcherService = {
  store: BatchStore
  txm: TxManager
  pipeline: Pipeline
  metrics: BatcherMetrics
  http: FastifyInstance
  log: Logger
  /** reconcile with L1, then start workers and the supervisor; then listen on HTTP if `listen` */
  start(opts?: { listen?: boolean }): Promise<void>
  /** graceful: stop taking work, let active jobs finish, close queues, HTTP and SQLite */
  stop(): Promise<void>
}

/** Builds every part of the batcher from config and the two outside interfaces; tests build it in-process. */
export async function createBatcherService(d: BatcherServiceDeps): Promise<BatcherService> {
  const c = d.config
  const log = d.log ?? pino({ level: c.logLevel, name: 'batcher' })
  const metrics = createMetrics()
  const store = new BatchStore(c.dbPath)
  const account = privateKeyToAccount(c.batcherKey as Hex)
  const txm = new TxManager(
    store,
    d.l1,
    account,
    {
      rollup: c.rollupAddress as Hex,
      daMode: c.daMode,
      confirmations: c.confirmations,
      limits: {
        minTip: BigInt(c.minTipWei),
        maxFeePerGasCap: BigInt(c.maxFeePerGasWei),
        maxFeePerBlobGasCap: BigInt(c.maxFeePerBlobGasWei),
      },
      stuckAfterMs: c.stuckAfterMs,
      stuckAfterBlocks: c.stuckAfterBlocks,
      ...(d.now ? { now: d.now } : {}),
    },
    {
      onSent: (b, hash, fees, kind) => {
        metrics.txsSent.inc({ kind })
        if (kind === 'bump') metrics.feeBumps.inc()
        log.info(
          {
            batch: String(b.batchIndex),
            hash,
            kind,
            da: b.daMode,
            maxFee: String(fees.maxFeePerGas),
          },
          'commit tx sent',
        )
      },
      onConfirmed: (b) => {
        metrics.batchesPosted.inc({ da: b.daMode ?? 'unknown' })
        metrics.txsBatched.inc(b.txCount)
        metrics.payloadBytes.inc(b.payload?.length ?? 0)
        if (b.txCount > 0) metrics.bytesPerTx.set((b.payload?.length ?? 0) / b.txCount)
        if (b.l1FeeWei !== null) metrics.l1FeesWei.inc(Number(b.l1FeeWei))
        if (b.l1GasUsed !== null) metrics.l1GasUsed.inc(Number(b.l1GasUsed))
        if (b.confirmedAtMs)
          metrics.postingLag.observe(Math.max(0, b.confirmedAtMs - b.firstSeenMs) / 1000)
        log.info(
          {
            batch: String(b.batchIndex),
            blocks: `${b.firstBlock}-${b.lastBlock}`,
            tx: b.minedTxHash,
            da: b.daMode,
          },
          'batch confirmed',
        )
      },
      onBroadcastFailed: (b, hash, err, ms) =>
        log.warn(
          { batch: String(b.batchIndex), hash, ms, err: err.message },
          'broadcast failed; will rebroadcast',
        ),
      onNonceTaken: (b, taken, nonce) =>
        log.warn(
          { batch: String(b.batchIndex), taken, nonce },
          'a tx we did not send used our nonce: batch re-signed at a fresh nonce',
        ),
      onReorg: (b) => {
        metrics.reorgs.inc()
        log.warn({ batch: String(b.batchIndex) }, 'commit removed by an L1 reorg: re-posting')
      },
    },
  )
  const connection = () =>
    new Redis(c.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true })
  const pipeline = new Pipeline(
    {
      l2ChainId: BigInt(c.l2ChainId),
      prefix: c.queuePrefix,
      maxPendingTxs: c.maxPendingTxs,
      pollIntervalMs: c.pollIntervalMs,
      plan: {
        targetCompressedBytes: c.targetBatchBytes,
        maxDelayMs: c.maxBatchDelayMs,
        maxBlocks: c.maxBlocksPerBatch,
      },
      throttle: {
        onAboveBytes: c.throttleOnBytes,
        offBelowBytes: c.throttleOffBytes,
        maxBlockBytes: c.throttleMaxBlockBytes,
      },
      compressConcurrency: c.compressConcurrency,
      revertRetryMs: c.revertRetryMs,
      withBlobs: c.daMode !== 'calldata',
    },
    {
      connection,
      store,
      l1: d.l1,
      source: d.source,
      txm,
      metrics,
      log,
      ...(d.now ? { now: d.now } : {}),
    },
  )
  const http = await buildHttp({
    registry: metrics.registry,
    queues: Object.values(pipeline.queues),
    adminToken: c.adminToken,
    ready: async () => {
      const reasons: string[] = []
      if (!pipeline.reconciled) reasons.push('not reconciled with L1 yet')
      if (!pipeline.warmed) reasons.push('compress worker starting (KZG setup)')
      const rec = pipeline.status().recovery
      if (rec.kind === 'halt') reasons.push(`posting halted: ${rec.reason}`)
      if (pipeline.lastTickError)
        reasons.push(`last control loop pass failed: ${(pipeline.lastTickError as Error).message}`)
      try {
        await ((await pipeline.queues.plan.client) as unknown as Redis).ping()
      } catch {
        reasons.push('redis not answering')
      }
      return { ok: reasons.length === 0, reasons }
    },
  })
  let started = false
  return {
    store,
    txm,
    pipeline,
    metrics,
    http,
    log,
    async start(opts = {}) {
      // L1 may be down at start: keep trying, reconcile must come before any job
      for (let delay = 200; ; delay = Math.min(delay * 2, 10_000)) {
        try {
          await pipeline.start()
          break
        } catch (e) {
          log.warn({ err: (e as Error).message }, 'start-up reconciliation failed; retrying')
          await new Promise((r) => setTimeout(r, delay))
        }
      }
      started = true
      if (opts.listen) await http.listen({ host: c.httpHost, port: c.httpPort })
    },
    async stop() {
      if (started) await pipeline.stop()
      await http.close()
      store.close()
    },
  }
}
