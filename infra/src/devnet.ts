// `npm run devnet [-- --fresh] [--data-dir .devnet] [--l1-block-time 2] [--da-mode auto]`:
// the whole local stack in one command; Ctrl-C stops every process it started.
import { parseArgs } from 'node:util'
import { type Devnet, startDevnet } from './devnet-lib.js'

const USAGE = `usage: npm run devnet -- [--fresh] [--data-dir .devnet] [--l1-block-time 2]
       [--l2-block-time-ms 250] [--da-mode auto|calldata|blobs] [--finalization-delay 0]
       [--inclusion-window 1000] [--log-level info]
ports: LANES_DEVNET_L1_PORT (8545), LANES_DEVNET_L2_PORT (9545), LANES_DEVNET_BATCHER_PORT (7301),
       LANES_DEVNET_PROVER_PORT (9547); Redis: LANES_REDIS_URL or a private redis-server`

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  if (!/^[0-9]+$/.test(v)) {
    console.error(`devnet: invalid ${name}: ${v} (expected a non-negative integer)\n${USAGE}`)
    process.exit(2)
  }
  return Number(v)
}

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean' },
    'data-dir': { type: 'string' },
    'l1-block-time': { type: 'string' },
    'l2-block-time-ms': { type: 'string' },
    'da-mode': { type: 'string' },
    'finalization-delay': { type: 'string' },
    'inclusion-window': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const daMode = values['da-mode']
if (daMode !== undefined && daMode !== 'auto' && daMode !== 'calldata' && daMode !== 'blobs') {
  console.error(`devnet: invalid --da-mode ${daMode} (auto, calldata or blobs)`)
  process.exit(2)
}
const logLevel = values['log-level'] ?? 'info'
if (!['fatal', 'error', 'warn', 'info', 'debug'].includes(logLevel)) {
  console.error(`devnet: invalid --log-level ${logLevel}`)
  process.exit(2)
}
const env = process.env
const port = (name: string) => int(name, env[name])

let devnet: Devnet | undefined
let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`[devnet] ${signal}: stopping`)
  await devnet?.stop()
  console.log('[devnet] stopped')
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

console.log('[devnet] starting anvil, Redis, Rollup, sequencer, batcher and prover-stub ...')
const options: Parameters<typeof startDevnet>[0] = {
  fresh: values.fresh ?? false,
  logLevel: logLevel as 'info',
  onLog: (line) => console.log(line),
  ports: {
    l1: port('LANES_DEVNET_L1_PORT'),
    l2: port('LANES_DEVNET_L2_PORT'),
    batcher: port('LANES_DEVNET_BATCHER_PORT'),
    prover: port('LANES_DEVNET_PROVER_PORT'),
  },
}
if (values['data-dir']) options.dataDir = values['data-dir']
const l1BlockTime = int('--l1-block-time', values['l1-block-time'])
if (l1BlockTime !== undefined) options.l1BlockTime = l1BlockTime
const l2BlockTimeMs = int('--l2-block-time-ms', values['l2-block-time-ms'])
if (l2BlockTimeMs !== undefined) options.l2BlockTimeMs = l2BlockTimeMs
if (daMode) options.daMode = daMode
const fd = int('--finalization-delay', values['finalization-delay'])
if (fd !== undefined) options.finalizationDelay = fd
const iw = int('--inclusion-window', values['inclusion-window'])
if (iw !== undefined) options.inclusionWindow = iw

try {
  devnet = await startDevnet(options)
} catch (e) {
  console.error(`[devnet] failed to start: ${(e as Error).message}`)
  process.exit(1)
}
if (stopping) await new Promise(() => {})
const d = devnet
const user = d.accounts[3]!
console.log(`
[devnet] ready${d.resumed ? ' (resumed from ' : ' (fresh, in '}${d.dataDir})
  L1 anvil      ${d.l1.rpcUrl}  chain ${d.l1.chainId}, ${d.l1.blockTime} s blocks
  L2 sequencer  ${d.l2.rpcUrl}  chain ${d.l2.chainId}  (WebSocket ${d.l2.wsUrl})
  Rollup        ${d.contracts.rollup}  (deployed in L1 block ${d.contracts.rollupDeployBlock})
  genesis root  ${d.contracts.genesisStateRoot}
  devnet.json   ${d.devnetFile}
  roles on L1   owner ${d.roles.owner} (key 0), sequencer/batcher ${d.roles.sequencer} (key 1), prover ${d.roles.prover} (key 2)

MetaMask: Add network → Network name "Lanes devnet", RPC URL ${d.l2.rpcUrl}, chain ID ${d.l2.chainId},
  currency ETH; import a dev key, e.g. account 3: ${user.privateKey}

Send a transfer with cast:
  npx cast send --rpc-url ${d.l2.rpcUrl} --private-key ${user.privateKey} \\
    0x000000000000000000000000000000000000dEaD --value 0.01ether
  npx cast balance --rpc-url ${d.l2.rpcUrl} 0x000000000000000000000000000000000000dEaD

Status: sequencer ${d.status.sequencer} (and lanes_syncStatus), batcher ${d.status.batcher},
  prover ${d.status.prover}
Batches from L1 alone: node packages/derive/bin/lanes-derive.mjs --devnet ${d.devnetFile} batches

Ctrl-C stops everything; \`npm run devnet\` again resumes, \`npm run devnet -- --fresh\` starts over.
`)
