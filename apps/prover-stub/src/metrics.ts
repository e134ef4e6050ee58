import { Counter, Gauge, Registry } from 'prom-client'

export type ProverMetrics = ReturnType<typeof proverMetrics>

export function proverMetrics() {
  const registry = new Registry()
  const opts = { registers: [registry] }
  return {
    registry,
    verified: new Counter({
      name: 'lanes_prover_batches_verified_total',
      help: 'batches re-executed with matching roots',
      ...opts,
    }),
    finalized: new Counter({
      name: 'lanes_prover_batches_finalized_total',
      help: 'finalizeBatch txs mined',
      ...opts,
    }),
    mismatches: new Counter({
      name: 'lanes_prover_mismatches_total',
      help: 'batches refused (root or data mismatch)',
      ...opts,
    }),
    txs: new Counter({ name: 'lanes_prover_txs_total', help: 'L2 txs re-executed', ...opts }),
    errors: new Counter({
      name: 'lanes_prover_step_errors_total',
      help: 'failed polls (L1 unreachable etc.)',
      ...opts,
    }),
    rewinds: new Counter({
      name: 'lanes_prover_rewinds_total',
      help: 'state rolled back to the parent of a batch reverted or replaced on L1',
      ...opts,
    }),
    rebuilds: new Counter({
      name: 'lanes_prover_rebuilds_total',
      help: 'state rebuilt from genesis (the rewind target was gone)',
      ...opts,
    }),
    headBlock: new Gauge({
      name: 'lanes_prover_head_block',
      help: 'last L2 block re-executed',
      ...opts,
    }),
    l1Cursor: new Gauge({ name: 'lanes_prover_l1_cursor', help: 'last L1 block read', ...opts }),
  }
}
