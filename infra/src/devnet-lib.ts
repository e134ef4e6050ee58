// The reusable devnet: anvil (L1) + Redis + genesis + Rollup deployment + sequencer, batcher and
// prover-stub as owned child processes. `npm run devnet` (devnet.ts) and the e2e/reliability
// tests both build on startDevnet().
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deployRollup } from '@lanes/contracts'
import {
  ANVIL_KEYS,
  type Anvil,
  freePort,
  type RedisHandle,
  spawnOwned,
  startAnvil,
  startRedis,
  stopProcess,
  waitFor,
} from '@lanes/test/harness'
import { createPublicClient, createWalletClient, defineChain, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { writeGenesis } from './genesis.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export type AppName = 'sequencer' | 'batcher' | 'prover'

export type DevnetOptions = {
  /** default `<repo>/.devnet` */
  dataDir?: string
  /** wipe dataDir first; otherwise a previous devnet in dataDir is resumed when possible */
  fresh?: boolean
  /** L1 block time in seconds (default 2) */
  l1BlockTime?: number
  l1ChainId?: number
  l2ChainId?: number
  /** L2 block time in ms (default 250) */
  l2BlockTimeMs?: number
  /** ports; 0 picks a free one. Defaults: l1 8545, l2 9545, batcher 7301, prover 9547 */
  ports?: { l1?: number; l2?: number; batcher?: number; prover?: number }
  /** Rollup: seconds between commit and finalization (default 0 on the devnet) */
  finalizationDelay?: number
  /** Rollup: L1 blocks a deposit may wait before commits must include it (default 1000) */
  inclusionWindow?: number
  /** the batcher's DA mode (default 'auto') */
  daMode?: 'calldata' | 'blobs' | 'auto'
  /** the batcher closes a batch after this long (default 2000 ms) */
  maxBatchDelayMs?: number
  /** L1 confirmations the batcher waits for (default 1) */
  confirmations?: number
  /** extra flags per app */
  extraArgs?: Partial<Record<AppName, string[]>>
  /** app log level (default 'info') */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug'
  /** receives every log line, already prefixed `[app] ...`; default: discarded (kept for output()) */
  onLog?: (line: string) => void
  /** how long to wait for each app to become healthy (default 60 s) */
  readyTimeoutMs?: number
}

export type DevAccount = { address: Hex; privateKey: Hex }

export type AppProcess = {
  name: AppName
  /** the current child process (changes on restart) */
  process: () => ChildProcess
  args: () => string[]
  /** the last log lines, for failure messages */
  output: () => string
  stop: () => Promise<void>
  /** stop (if running) and start again, optionally with replaced extra flags */
  restart: (extraArgs?: string[]) => Promise<void>
}

/** What devnet.json holds (packages/derive's `lanes-derive --devnet` reads l1, l2, contracts). */
export type DevnetInfo = {
  l1: { chainId: number; rpcUrl: string; blockTime: number }
  l2: { chainId: number; rpcUrl: string; wsUrl: string; blockTimeMs: number }
  contracts: {
    rollup: Hex
    rollupDeployBlock: number
    genesisStateRoot: Hex
    l2WithdrawalStore: Hex
    finalizationDelay: number
    inclusionWindow: number
  }
  roles: { owner: Hex; sequencer: Hex; prover: Hex }
  status: { sequencer: string; batcher: string; prover: string }
  redis: { url: string; queuePrefix: string }
  accounts: DevAccount[]
}

export type Devnet = DevnetInfo & {
  dataDir: string
  devnetFile: string
  genesisFile: string
  keys: { owner: Hex; sequencer: Hex; prover: Hex }
  anvil: Anvil
  redisHandle: RedisHandle
  apps: Record<AppName, AppProcess>
  /** true when an existing devnet in dataDir was resumed instead of deployed */
  resumed: boolean
  stop: () => Promise<void>
}

/**
 * Roles: anvil key 0 owns the Rollup, key 1 is the sequencer role (the batcher signs commits with
 * it), key 2 is the prover. Keys 3-9 are free for users on L1; all ten are funded on L2.
 */
export const DEVNET_KEYS = {
  owner: ANVIL_KEYS[0],
  sequencer: ANVIL_KEYS[1],
  prover: ANVIL_KEYS[2],
} as const

const pick = async (p: number | undefined, fallback: number) =>
  p === 0 ? freePort() : (p ?? fallback)

function prefixLine(app: string, raw: string): string {
  // pino JSON → `[app] LEVEL msg k=v`; anything else is passed through
  try {
    const o = JSON.parse(raw) as Record<string, unknown>
    const levels: Record<number, string> = {
      10: 'TRACE',
      20: 'DEBUG',
      30: 'INFO',
      40: 'WARN',
      50: 'ERROR',
      60: 'FATAL',
    }
    const level = levels[Number(o.level)] ?? String(o.level ?? '')
    const { level: _l, time: _t, pid: _p, hostname: _h, msg, app: _a, name: _n, ...rest } = o
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    return `[${app}] ${level} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}`
  } catch {
    return `[${app}] ${raw}`
  }
}

/**
 * The sequencer allocates per tx and keeps its pool alive across scavenges: a 64 MB young
 * generation (V8's default is 16) cut ~10 % of its CPU per tx (apps/sequencer README, figures).
 * It is a `node` flag; setting it from inside the process has no effect.
 */
const NODE_FLAGS: Record<AppName, string[]> = {
  sequencer: ['--max-semi-space-size=64'],
  batcher: [],
  prover: [],
}

// fastify's per-request lines drown everything else at level info
const NOISE = /"msg":"(incoming request|request completed)"/

function startApp(
  name: AppName,
  script: string,
  baseArgs: string[],
  extra: string[],
  healthUrl: string,
  options: DevnetOptions,
  env: Record<string, string> = {},
): { app: AppProcess; ready: () => Promise<void> } {
  let child: ChildProcess
  let args = [...baseArgs, ...extra]
  const lines: string[] = []
  const quiet = options.logLevel !== 'debug'
  const emit = (line: string) => {
    lines.push(line)
    if (lines.length > 400) lines.splice(0, lines.length - 400)
    options.onLog?.(line)
  }
  const spawnIt = () => {
    child = spawnOwned(
      process.execPath,
      [...NODE_FLAGS[name], '--import', 'tsx', path.join(REPO_ROOT, script), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
    )
    for (const stream of [child.stdout, child.stderr]) {
      let buf = ''
      stream?.on('data', (d: Buffer) => {
        buf += d.toString()
        let nl = buf.indexOf('\n')
        while (nl >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          if (line.trim() && !(quiet && NOISE.test(line))) emit(prefixLine(name, line))
          nl = buf.indexOf('\n')
        }
      })
    }
    child.once('exit', (code, signal) => emit(`[${name}] exited (${signal ?? `code ${code}`})`))
  }
  const output = () => lines.join('\n')
  const ready = async () => {
    const c = child
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output()}`))),
    )
    exited.catch(() => {})
    await Promise.race([
      exited,
      waitFor(
        `${name} ${healthUrl}`,
        async () => ((await fetch(healthUrl)).status === 200 ? true : undefined),
        { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 200 },
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${output()}`, { cause: e })
      }),
    ])
  }
  spawnIt()
  const app: AppProcess = {
    name,
    process: () => child,
    args: () => args,
    output,
    stop: () => stopProcess(child, 10_000),
    restart: async (newExtra?: string[]) => {
      await stopProcess(child, 10_000)
      if (newExtra) args = [...baseArgs, ...newExtra]
      spawnIt()
      await ready()
    },
  }
  return { app, ready }
}

/** Starts (or resumes) the whole devnet; resolves once every app answers its health endpoint. */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const dataDir = path.resolve(options.dataDir ?? path.join(REPO_ROOT, '.devnet'))
  const devnetFile = path.join(dataDir, 'devnet.json')
  const genesisFile = path.join(dataDir, 'genesis.json')
  const anvilState = path.join(dataDir, 'anvil-state.json')
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true })
  let previous: DevnetInfo | undefined
  if (existsSync(devnetFile) && existsSync(anvilState) && existsSync(genesisFile)) {
    previous = JSON.parse(readFileSync(devnetFile, 'utf8')) as DevnetInfo
  } else rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true })

  const l1BlockTime = options.l1BlockTime ?? previous?.l1.blockTime ?? 2
  const l1ChainId = options.l1ChainId ?? previous?.l1.chainId ?? 31337
  const l2ChainId = options.l2ChainId ?? previous?.l2.chainId ?? 42069
  const l2BlockTimeMs = options.l2BlockTimeMs ?? previous?.l2.blockTimeMs ?? 250
  const ports = {
    l1: await pick(options.ports?.l1, 8545),
    l2: await pick(options.ports?.l2, 9545),
    batcher: await pick(options.ports?.batcher, 7301),
    prover: await pick(options.ports?.prover, 9547),
  }
  const stack: Array<() => Promise<void>> = []
  const unwind = async () => {
    for (const stop of stack.reverse()) await stop().catch(() => {})
    stack.length = 0
  }
  try {
    // anvil dumps its chain to anvil-state.json (every 5 s and on exit) so a restart resumes
    const anvil = await startAnvil({
      port: ports.l1,
      chainId: l1ChainId,
      blockTime: l1BlockTime,
      slotsInAnEpoch: 1,
      extraArgs: ['--state', anvilState, '--state-interval', '5'],
    })
    stack.push(() => anvil.stop())
    const redis = await startRedis({ name: 'devnet' })
    stack.push(() => redis.stop())
    const queuePrefix = `{lanes}${redis.prefix}`

    const l1Chain = defineChain({
      id: l1ChainId,
      name: 'Lanes devnet L1',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.url] } },
    })
    const publicClient = createPublicClient({ chain: l1Chain, transport: http(anvil.url) })
    const addr = (k: Hex) => privateKeyToAccount(k).address
    const roles = {
      owner: addr(DEVNET_KEYS.owner),
      sequencer: addr(DEVNET_KEYS.sequencer),
      prover: addr(DEVNET_KEYS.prover),
    }

    let contracts: DevnetInfo['contracts']
    let resumed = false
    const rollupCode = previous
      ? await publicClient.getCode({ address: previous.contracts.rollup }).catch(() => undefined)
      : undefined
    if (previous && rollupCode && rollupCode !== '0x') {
      contracts = previous.contracts
      resumed = true
    } else {
      const { stateRoot } = writeGenesis(genesisFile, {
        chainId: l2ChainId,
        blockTimeMs: l2BlockTimeMs,
      })
      const walletClient = createWalletClient({
        account: privateKeyToAccount(DEVNET_KEYS.owner),
        chain: l1Chain,
        transport: http(anvil.url),
      })
      const finalizationDelay = options.finalizationDelay ?? 0
      const inclusionWindow = options.inclusionWindow ?? 1000
      const deployed = await deployRollup({
        walletClient,
        publicClient,
        genesisStateRoot: stateRoot,
        l2ChainId,
        sequencer: roles.sequencer,
        prover: roles.prover,
        finalizationDelay,
        inclusionWindow,
      })
      contracts = {
        rollup: deployed.rollup,
        rollupDeployBlock: Number(deployed.blockNumber),
        genesisStateRoot: stateRoot,
        l2WithdrawalStore: '0x4c616E6573000000000000000000000000000016',
        finalizationDelay,
        inclusionWindow,
      }
    }

    const l2Url = `http://127.0.0.1:${ports.l2}`
    const info: DevnetInfo = {
      l1: { chainId: l1ChainId, rpcUrl: anvil.url, blockTime: l1BlockTime },
      l2: {
        chainId: l2ChainId,
        rpcUrl: l2Url,
        wsUrl: `ws://127.0.0.1:${ports.l2}/`,
        blockTimeMs: l2BlockTimeMs,
      },
      contracts,
      roles,
      status: {
        sequencer: `${l2Url}/readyz`,
        batcher: `http://127.0.0.1:${ports.batcher}/readyz`,
        prover: `http://127.0.0.1:${ports.prover}/status`,
      },
      redis: { url: redis.url, queuePrefix },
      accounts: ANVIL_KEYS.map((k) => ({ address: addr(k), privateKey: k })),
    }
    writeFileSync(devnetFile, `${JSON.stringify(info, null, 2)}\n`)

    const logLevel = options.logLevel ?? 'info'
    const extra = options.extraArgs ?? {}
    const seq = startApp(
      'sequencer',
      'apps/sequencer/src/main.ts',
      [
        '--genesis',
        genesisFile,
        '--data-dir',
        path.join(dataDir, 'sequencer'),
        '--port',
        String(ports.l2),
        '--block-time-ms',
        String(l2BlockTimeMs),
        '--redis-url',
        redis.url,
        '--queue-prefix',
        queuePrefix,
        '--l1-rpc-url',
        anvil.url,
        '--rollup-address',
        contracts.rollup,
        // the batcher's throttle (lanes_setThrottle); the devnet RPC listens on localhost only
        '--admin-rpc',
        '--log-level',
        logLevel,
      ],
      extra.sequencer ?? [],
      `${l2Url}/readyz`,
      options,
      // an env var, not a flag: a sequencer without this setting ignores unknown LANES_* vars
      { LANES_ROLLUP_START_BLOCK: String(contracts.rollupDeployBlock) },
    )
    stack.push(() => seq.app.stop())
    const batcher = startApp(
      'batcher',
      'apps/batcher/src/main.ts',
      [
        '--l1-rpc-url',
        anvil.url,
        '--sequencer-rpc-url',
        l2Url,
        '--redis-url',
        redis.url,
        '--queue-prefix',
        queuePrefix,
        '--db-path',
        path.join(dataDir, 'batcher.sqlite'),
        '--rollup-address',
        contracts.rollup,
        '--batcher-key',
        DEVNET_KEYS.sequencer,
        '--l2-chain-id',
        String(l2ChainId),
        '--http-port',
        String(ports.batcher),
        '--max-batch-delay-ms',
        String(options.maxBatchDelayMs ?? 2000),
        '--confirmations',
        String(options.confirmations ?? 1),
        '--log-level',
        logLevel,
      ],
      [...(options.daMode ? ['--da-mode', options.daMode] : []), ...(extra.batcher ?? [])],
      `http://127.0.0.1:${ports.batcher}/healthz`,
      options,
    )
    stack.push(() => batcher.app.stop())
    const prover = startApp(
      'prover',
      'apps/prover-stub/src/main.ts',
      [
        '--genesis',
        genesisFile,
        '--data-dir',
        path.join(dataDir, 'prover'),
        '--l1-rpc-url',
        anvil.url,
        '--rollup-address',
        contracts.rollup,
        '--rollup-start-block',
        String(contracts.rollupDeployBlock),
        '--prover-key',
        DEVNET_KEYS.prover,
        '--port',
        String(ports.prover),
        '--log-level',
        logLevel,
      ],
      extra.prover ?? [],
      `http://127.0.0.1:${ports.prover}/healthz`,
      options,
    )
    stack.push(() => prover.app.stop())
    // all three boot at once (tsx start-up dominates); the batcher and prover retry the L2 RPC
    await Promise.all([seq.ready(), batcher.ready(), prover.ready()])

    let stopped: Promise<void> | undefined
    return {
      ...info,
      dataDir,
      devnetFile,
      genesisFile,
      keys: { ...DEVNET_KEYS },
      anvil,
      redisHandle: redis,
      apps: { sequencer: seq.app, batcher: batcher.app, prover: prover.app },
      resumed,
      stop: () => {
        stopped ??= unwind()
        return stopped
      },
    }
  } catch (e) {
    await unwind()
    throw e
  }
}
