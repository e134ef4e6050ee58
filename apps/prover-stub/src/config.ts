import { type Static, Type } from '@sinclair/typebox'

/** Every prover setting: flag `--l1-rpc-url`, env `LANES_L1_RPC_URL` (see loadSettings). */
export const ProverConfigSchema = Type.Object({
  genesis: Type.String({ minLength: 1, description: 'path of the genesis JSON file (required)' }),
  dataDir: Type.String({
    minLength: 1,
    default: '.data/prover',
    description: 'directory of the prover SQLite database',
  }),
  l1RpcUrl: Type.String({ pattern: '^https?://', description: 'L1 JSON-RPC URL (required)' }),
  beaconUrl: Type.String({
    default: '',
    description: 'beacon API for blobs (empty: anvil_getBlobsByTransactionHash on the L1 RPC)',
  }),
  rollupAddress: Type.String({
    pattern: '^0x[0-9a-fA-F]{40}$',
    description: 'the Rollup contract on L1 (required)',
  }),
  rollupStartBlock: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'L1 block of the Rollup deployment',
  }),
  l1Confirmations: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'L1 blocks a commit needs on top before it is verified',
  }),
  proverKey: Type.String({
    pattern: '^0x[0-9a-fA-F]{64}$',
    description: 'private key of the prover role (required; signs attestations and finalize txs)',
  }),
  recoveryWorkers: Type.Integer({
    minimum: 0,
    maximum: 256,
    default: 2,
    description: 'sender-recovery worker threads (0: recover on the main thread)',
  }),
  pollMs: Type.Integer({ minimum: 10, default: 1000, description: 'L1 polling interval' }),
  l1BaseFeeScalar: Type.Integer({
    minimum: 0,
    default: 1368,
    description: "L1 data fee baseFeeScalar; must equal the sequencer's",
  }),
  l1BlobBaseFeeScalar: Type.Integer({
    minimum: 0,
    default: 810949,
    description: "L1 data fee blobBaseFeeScalar; must equal the sequencer's",
  }),
  finalize: Type.Boolean({
    default: true,
    description: 'send finalizeBatch for verified batches (false: verify only)',
  }),
  finalizeMaxBatches: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: 32,
    description: 'most consecutive batches one finalizeBatches tx covers',
  }),
  feeBumpAfterMs: Type.Integer({
    minimum: 100,
    default: 12_000,
    description: 're-send a pending finalize tx with fees +12.5 % after this long',
  }),
  keepServingOnMismatch: Type.Boolean({
    default: false,
    description: 'on a root mismatch keep serving status instead of exiting non-zero',
  }),
  host: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'status HTTP listen address',
  }),
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 9547,
    description: 'status HTTP port (/healthz, /readyz, /metrics, /status)',
  }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
})

export type ProverConfig = Static<typeof ProverConfigSchema>
