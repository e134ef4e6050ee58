import { isPrivateKey } from '@lanes/core'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from './errors.js'

const Hex32 = Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' })
const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' })
const Int = (min: number, def: number, description: string) =>
  Type.Integer({ minimum: min, default: def, description })
const Wei = (def: string, description: string) =>
  Type.String({ pattern: '^[0-9]+$', default: def, description })

/** Every setting: flag `--l1-rpc-url`, env `LANES_L1_RPC_URL`. */
export const ConfigSchema = Type.Object({
  l1RpcUrl: Type.String({ pattern: '^(https?|wss?)://.+', description: 'L1 JSON-RPC URL' }),
  sequencerRpcUrl: Type.String({
    pattern: '^(https?|wss?)://.+',
    description: 'sequencer JSON-RPC URL',
  }),
  redisUrl: Type.String({ pattern: '^rediss?://.+', description: 'Redis for the work queues' }),
  queuePrefix: Type.String({
    default: '{lanes}',
    description: 'BullMQ key prefix (keep the {lanes} hash tag)',
  }),
  dbPath: Type.String({ minLength: 1, description: 'the batcher SQLite file' }),
  rollupAddress: Address,
  batcherKey: Hex32,
  l2ChainId: Type.Integer({ minimum: 1, description: 'L2 chain id' }),
  daMode: Type.Union([Type.Literal('calldata'), Type.Literal('blobs'), Type.Literal('auto')], {
    default: 'auto',
  }),
  targetBatchBytes: Int(1000, 120_000, 'close a batch at this compressed size'),
  maxBatchDelayMs: Int(
    1,
    10_000,
    "send a batch's commit by the time its oldest block is this old (closes early by the measured compress+post time, at most half of this)",
  ),
  maxBlocksPerBatch: Int(1, 2000, 'blocks per batch at most'),
  maxPendingTxs: Int(1, 4, 'commit txs in flight at once'),
  confirmations: Int(1, 2, 'L1 confirmations before a batch counts as committed'),
  pollIntervalMs: Int(10, 500, 'how often to look for new blocks and receipts'),
  stuckAfterMs: Int(100, 24_000, 'bump fees when a tx is unmined this long'),
  revertRetryMs: Int(
    100,
    60_000,
    "after a commit reverted although it continued L1's chain, post nothing for this long, then plan it again (doubles per retry, at most 1 h)",
  ),
  stuckAfterBlocks: Int(1, 3, 'or when it is unmined for this many L1 blocks'),
  minTipWei: Wei('1000000000', 'minimum priority fee'),
  maxFeePerGasWei: Wei('500000000000', 'fee cap per gas'),
  maxFeePerBlobGasWei: Wei('1000000000000', 'fee cap per blob gas'),
  throttleOnBytes: Int(0, 2_000_000, 'throttle the sequencer above this backlog (estimated bytes)'),
  throttleOffBytes: Int(0, 1_000_000, 'stop throttling below this backlog'),
  throttleMaxBlockBytes: Int(
    1000,
    20_000,
    'signed tx bytes per block the sequencer is asked to keep to when throttled (lanes_setThrottle)',
  ),
  httpHost: Type.String({ default: '127.0.0.1' }),
  httpPort: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 7301,
    description: 'port for /healthz /readyz /metrics /admin/queues',
  }),
  adminToken: Type.String({
    default: '',
    description: 'bearer token for /admin/queues (empty: disabled)',
  }),
  compressConcurrency: Int(1, 1, 'sandboxed compress processes'),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
})
export type Config = Static<typeof ConfigSchema>

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const envName = (k: string) => `LANES_${kebab(k).replaceAll('-', '_').toUpperCase()}`

/**
 * Flags win over LANES_* env, env over defaults. Throws ConfigError with one
 * line per bad or missing setting, naming both the flag and the env var.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const keys = Object.keys(ConfigSchema.properties) as Array<keyof Config>
  const raw: Record<string, unknown> = {}
  const problems: string[] = []
  for (const k of keys) {
    const v = env[envName(k)]
    if (v !== undefined && v !== '') raw[k] = v
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) {
      problems.push(`unexpected argument ${a}`)
      continue
    }
    const [flag, inline] = a.slice(2).split('=', 2) as [string, string | undefined]
    const key = keys.find((k) => kebab(k) === flag)
    if (!key) {
      problems.push(`unknown flag --${flag}`)
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) problems.push(`--${flag} needs a value`)
    else raw[key] = value
  }
  for (const k of keys) {
    const schema = ConfigSchema.properties[k]
    if (raw[k] !== undefined && schema.type === 'integer') {
      const s = String(raw[k])
      raw[k] = /^-?[0-9]+$/.test(s) ? Number(s) : s
    }
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>
  const seen = new Set<string>()
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const key = e.path.replace(/^\//, '').split('/')[0] ?? ''
    // one line per setting: TypeBox reports "required" and "wrong type" for the same key
    if (seen.has(key)) continue
    seen.add(key)
    const where = key ? `--${kebab(key)} / ${envName(key)}` : 'config'
    const got =
      withDefaults[key] === undefined ? 'missing' : `got ${JSON.stringify(withDefaults[key])}`
    const desc = key ? (ConfigSchema.properties[key as keyof Config]?.description ?? '') : ''
    problems.push(`${where}: ${e.message} (${got})${desc ? ` - ${desc}` : ''}`)
  }
  // only for a well-formed key: a malformed one already has its line above (one per problem)
  const key = withDefaults.batcherKey
  if (typeof key === 'string' && /^0x[0-9a-fA-F]{64}$/.test(key) && !isPrivateKey(key))
    problems.push(
      '--batcher-key / LANES_BATCHER_KEY: not a secp256k1 private key (must be 1 .. n-1)',
    )
  if (problems.length) throw new ConfigError([...new Set(problems)])
  return withDefaults as Config
}

export const configHelp = (): string =>
  (Object.keys(ConfigSchema.properties) as Array<keyof Config>)
    .map((k) => {
      const s = ConfigSchema.properties[k] as { description?: string; default?: unknown }
      const def =
        s.default === undefined ? ' (required)' : ` (default ${JSON.stringify(s.default)})`
      return `  --${kebab(k)}  ${envName(k)}${def}${s.description ? `  ${s.description}` : ''}`
    })
    .join('\n')
