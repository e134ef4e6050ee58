import { Counter, Gauge, Histogram, Registry } from 'prom-client'

const MS_BUCKETS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500].map((ms) => ms / 1000)

/** The node's Prometheus metrics; the RPC layer adds its own to the same registry. */
export function createNodeMetrics(registry = new Registry()) {
  return {
    registry,
    txAccepted: new Counter({
      name: 'lanes_sequencer_tx_accepted_total',
      help: 'transactions admitted to the pool (journaled)',
      registers: [registry],
    }),
    txRejected: new Counter({
      name: 'lanes_sequencer_tx_rejected_total',
      help: 'transactions refused at ingress, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    poolTxs: new Gauge({
      name: 'lanes_sequencer_pool_txs',
      help: 'transactions in the pool',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    sealedBlocks: new Counter({
      name: 'lanes_sequencer_sealed_blocks_total',
      help: 'sealed blocks',
      registers: [registry],
    }),
    sealedTxs: new Counter({
      name: 'lanes_sequencer_sealed_txs_total',
      help: 'transactions in sealed blocks (rate() of it is tx/s)',
      registers: [registry],
    }),
    droppedTxs: new Counter({
      name: 'lanes_sequencer_dropped_txs_total',
      help: 'pool transactions the executor refused at sealing time',
      registers: [registry],
    }),
    headBlock: new Gauge({
      name: 'lanes_sequencer_head_block',
      help: 'newest sealed block number',
      registers: [registry],
    }),
    buildSeconds: new Histogram({
      name: 'lanes_sequencer_block_build_seconds',
      help: 'pick + execute + hash + commit of one block',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
    executeSeconds: new Histogram({
      name: 'lanes_sequencer_block_execution_seconds',
      help: 'execution of one block',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
    hashSeconds: new Histogram({
      name: 'lanes_sequencer_block_hashing_seconds',
      help: 'state-tree update and hashing of one block',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'lanes_sequencer_block_commit_seconds',
      help: 'the SQLite transaction of one block, tree hashing included',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
    journalCommits: new Counter({
      name: 'lanes_sequencer_journal_commits_total',
      help: 'group commits (fsyncs) of the pending-tx journal',
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'lanes_sequencer_publish_failures_total',
      help: 'failed attempts to enqueue a sealed-block event on BullMQ (retried)',
      registers: [registry],
    }),
  }
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>
