import { loadSettings, settingsTable } from '@lanes/core'
import { type Static, Type } from '@sinclair/typebox'

/**
 * Every sequencer setting, once. Each key is a CLI flag (`blockTimeMs` → `--block-time-ms`)
 * and an env var (`LANES_BLOCK_TIME_MS`); a flag wins over the env, the env over the default.
 * The README's settings table is generated from this schema (`configTable()`).
 */
export const ConfigSchema = Type.Object({
  genesis: Type.String({ minLength: 1, description: 'path of the genesis JSON file (required)' }),
  dataDir: Type.String({
    minLength: 1,
    default: '.data/sequencer',
    description: 'directory of the SQLite database',
  }),
  host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'JSON-RPC listen address' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 9545, description: 'JSON-RPC port' }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),

  blockTimeMs: Type.Integer({
    minimum: 1,
    maximum: 3_600_000,
    default: 250,
    description: 'seal a block this often when there is work',
  }),
  maxTimestampDriftS: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 60,
    description:
      'timestamps are whole seconds and strictly increase, so blocks faster than 1/s run ahead of the clock; past this lead, sealing waits for the clock (bigger blocks instead)',
  }),
  emptyBlockIntervalMs: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 2000,
    description:
      'seal an empty block when none was sealed for this long (0: only when there is work)',
  }),
  parallelExecution: Type.Boolean({
    default: false,
    description: 'run blocks on the optimistic parallel executor (worker threads)',
  }),
  executorWorkers: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: 2,
    description: 'worker threads of the parallel executor',
  }),
  recoveryWorkers: Type.Integer({
    minimum: 0,
    maximum: 256,
    default: 2,
    description: 'sender-recovery worker threads (0: recover on the main thread)',
  }),
  l1BaseFeeScalar: Type.Integer({
    minimum: 0,
    default: 1368,
    description: 'OP Ecotone baseFeeScalar of the L1 data fee',
  }),
  l1BlobBaseFeeScalar: Type.Integer({
    minimum: 0,
    default: 810949,
    description: 'OP Ecotone blobBaseFeeScalar of the L1 data fee',
  }),

  poolMaxPerAccount: Type.Integer({
    minimum: 1,
    default: 1024,
    description: 'most txs one sender may hold in the pool (pending + queued)',
  }),
  poolMaxTotal: Type.Integer({
    minimum: 1,
    default: 200_000,
    description: 'most txs in the pool; the cheapest is evicted past it',
  }),
  poolMaxQueuedPerAccount: Type.Integer({
    minimum: 0,
    default: 64,
    description: 'most nonce-gapped (queued) txs per sender',
  }),
  poolMinTipWei: Type.String({
    pattern: '^[0-9]+$',
    default: '0',
    description: 'minimum priority fee (wei) a tx must offer',
  }),
  poolPriceBumpPercent: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 10,
    description: 'a replacement must raise max fee and tip by this many percent',
  }),

  maxLogsBlockRange: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'most blocks one eth_getLogs range may span',
  }),
  maxLogs: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'most logs one eth_getLogs returns',
  }),
  maxBlockRange: Type.Integer({
    minimum: 1,
    default: 1000,
    description: 'most blocks one lanes_getBlockRange returns',
  }),
  rpcGasCap: Type.Integer({
    minimum: 21000,
    default: 50_000_000,
    description: 'gas cap of eth_call and eth_estimateGas',
  }),
  rpcBatchLimit: Type.Integer({
    minimum: 1,
    default: 1000,
    description: 'most entries in one JSON-RPC batch',
  }),
  rpcBodyLimit: Type.Integer({
    minimum: 1024,
    default: 32 * 1024 * 1024,
    description: 'largest HTTP request body in bytes',
  }),
  rpcTimeoutMs: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'time budget of one JSON-RPC call',
  }),
  rateLimitPerSecond: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'JSON-RPC calls per second per client (0: unlimited)',
  }),
  rateLimitBurst: Type.Integer({
    minimum: 1,
    default: 2000,
    description: 'calls a client may make at once before rate limiting',
  }),
  maxFilters: Type.Integer({
    minimum: 1,
    default: 10_000,
    description:
      'most live eth_newFilter/eth_newBlockFilter/eth_newPendingTransactionFilter filters',
  }),
  filterTimeoutMs: Type.Integer({
    minimum: 1000,
    default: 5 * 60_000,
    description: 'a filter not polled for this long is removed (geth: 5 minutes)',
  }),
  wsMaxBufferedBytes: Type.Integer({
    minimum: 64 * 1024,
    default: 16 * 1024 * 1024,
    description: 'a WebSocket subscriber with more unsent bytes than this is disconnected',
  }),

  redisUrl: Type.String({
    pattern: '^(rediss?://.+)?$',
    default: '',
    description: 'Redis for the "sealed" BullMQ queue (empty: do not publish)',
  }),
  queuePrefix: Type.String({
    minLength: 1,
    default: '{lanes}',
    description: 'BullMQ key prefix; keep the {lanes} hash tag, append a run id to isolate',
  }),

  l1RpcUrl: Type.String({
    pattern: '^((https?|wss?)://.+)?$',
    default: '',
    description: 'L1 JSON-RPC URL (empty: no L1 follower)',
  }),
  rollupAddress: Type.String({
    pattern: '^(0x[0-9a-fA-F]{40})?$',
    default: '',
    description: 'the Rollup contract on L1',
  }),
  rollupStartBlock: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'L1 block of the Rollup deployment (deposits are read from here)',
  }),
  l1Confirmations: Type.Integer({
    minimum: 0,
    default: 4,
    description:
      'L1 blocks on top before an L1 block becomes an L2 origin, its deposits are included, or a batch in it counts (safe); keep it deeper than the L1 reorgs you expect (OP: sequencer.l1-confs 4)',
  }),
  l1PollMs: Type.Integer({ minimum: 10, default: 1000, description: 'L1 polling interval' }),
  adminRpc: Type.Boolean({
    default: false,
    description: 'serve admin JSON-RPC methods (lanes_setThrottle for the batcher)',
  }),
  ignoreDeposits: Type.Boolean({
    default: false,
    description: 'TESTING ONLY: never include L1 deposits (to test forced inclusion)',
  }),
})

export type Config = Static<typeof ConfigSchema>
export type ConfigKey = keyof Config

export { ConfigError, envOf, flagOf } from '@lanes/core'

/**
 * Reads the settings from argv (`--flag value`, `--flag=value`, bare `--bool-flag`) and env.
 * Throws ConfigError whose one-line message names the flag and env var at fault.
 */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Config {
  return loadSettings(ConfigSchema, argv, env)
}

/** Markdown rows `| flag | env | default | description |` for the README. */
export function configTable(): string {
  return settingsTable(ConfigSchema)
}
