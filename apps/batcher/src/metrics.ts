import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export type BatcherMetrics = ReturnType<typeof createMetrics>

export function createMetrics() {
  const registry = new Registry()
  const p = 'lanes_batcher_'
  const r = [registry]
  return {
    registry,
    backlogBlocks: new Gauge({
      name: `${p}backlog_blocks`,
      help: 'sealed L2 blocks not yet in a sent batch',
      registers: r,
    }),
    backlogBytes: new Gauge({
      name: `${p}backlog_bytes`,
      help: 'estimated compressed bytes not yet sent',
      registers: r,
    }),
    batchesPosted: new Counter({
      name: `${p}batches_posted_total`,
      help: 'batches confirmed on L1',
      labelNames: ['da'],
      registers: r,
    }),
    txsBatched: new Counter({
      name: `${p}l2_txs_batched_total`,
      help: 'L2 txs in confirmed batches',
      registers: r,
    }),
    payloadBytes: new Counter({
      name: `${p}payload_bytes_total`,
      help: 'batch bytes confirmed on L1',
      registers: r,
    }),
    bytesPerTx: new Gauge({
      name: `${p}bytes_per_tx`,
      help: 'L1 bytes per L2 tx in the last confirmed batch',
      registers: r,
    }),
    l1FeesWei: new Counter({
      name: `${p}l1_fees_wei_total`,
      help: 'L1 fees paid for commits (execution + blob gas)',
      registers: r,
    }),
    l1GasUsed: new Counter({
      name: `${p}l1_gas_used_total`,
      help: 'L1 execution gas used by commits',
      registers: r,
    }),
    l1BaseFee: new Gauge({
      name: `${p}l1_base_fee_wei`,
      help: 'L1 base fee at the last send',
      registers: r,
    }),
    txsSent: new Counter({
      name: `${p}l1_txs_sent_total`,
      help: 'L1 txs sent by kind',
      labelNames: ['kind'],
      registers: r,
    }),
    feeBumps: new Counter({
      name: `${p}fee_bumps_total`,
      help: 'stuck commits re-sent with higher fees',
      registers: r,
    }),
    reorgs: new Counter({
      name: `${p}l1_reorged_commits_total`,
      help: 'commits an L1 reorg removed',
      registers: r,
    }),
    retries: new Counter({
      name: `${p}job_retries_total`,
      help: 'failed job attempts that will be retried',
      labelNames: ['queue'],
      registers: r,
    }),
    postingLag: new Histogram({
      name: `${p}posting_lag_seconds`,
      help: 'first block sealed → batch confirmed on L1',
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers: r,
    }),
    l1Up: new Gauge({ name: `${p}l1_up`, help: '1 when the last L1 request worked', registers: r }),
    throttling: new Gauge({
      name: `${p}throttling`,
      help: '1 while the sequencer is asked to shrink blocks',
      registers: r,
    }),
    reconciles: new Counter({
      name: `${p}reconciles_total`,
      help: 'start-up and Redis-loss reconciliations',
      registers: r,
    }),
    revertedCommits: new Counter({
      name: `${p}reverted_commits_total`,
      help: 'commit txs of ours mined but reverted',
      registers: r,
    }),
    replans: new Counter({
      name: `${p}replans_total`,
      help: 'times our batches past L1 were dropped and planned again from the L1 tip',
      registers: r,
    }),
    halted: new Gauge({
      name: `${p}halted`,
      help: '1 while posting is stopped after a commit reverted in line with L1',
      registers: r,
    }),
  }
}
