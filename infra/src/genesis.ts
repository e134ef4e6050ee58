// `npm run genesis -- --out <file> [--chain-id n] ...`: writes the Lanes genesis JSON and prints
// its state root (the Rollup contract must be deployed with exactly that root).
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { L2_WITHDRAWAL_STORE_ADDRESS, l2WithdrawalStoreDeployedBytecode } from '@lanes/contracts'
import { type Genesis, type GenesisJson, genesisToJson, parseGenesis } from '@lanes/core'
import { genesisStateRoot } from '@lanes/state-tree'
import { ANVIL_KEYS } from '@lanes/test/harness'
import { privateKeyToAccount } from 'viem/accounts'

export const DEFAULT_L2_CHAIN_ID = 42069

/** Fee vaults: fixed, key-less addresses in the "Lanes" predeploy range (see LanesPredeploys.sol). */
export const FEE_VAULTS = {
  baseFee: '0x4c616e6573000000000000000000000000000019',
  priorityFee: '0x4c616e657300000000000000000000000000001a',
  l1Fee: '0x4c616e657300000000000000000000000000001b',
} as const

export type DevGenesisOptions = {
  chainId?: number
  /** unix seconds of block 0 (default: now) */
  timestamp?: number
  gasLimit?: bigint
  blockTimeMs?: number
  minBaseFee?: bigint
  /** wei each of the 10 anvil dev accounts holds (default 10,000 ETH, as on anvil) */
  devBalance?: bigint
}

/** The devnet genesis: 10 anvil dev accounts funded, fee vaults, the L2WithdrawalStore predeploy. */
export function devGenesisJson(options: DevGenesisOptions = {}): GenesisJson {
  const balance = options.devBalance ?? 10_000n * 10n ** 18n
  const alloc: GenesisJson['alloc'] = {}
  for (const key of ANVIL_KEYS)
    alloc[privateKeyToAccount(key).address.toLowerCase()] = { balance: `0x${balance.toString(16)}` }
  alloc[L2_WITHDRAWAL_STORE_ADDRESS.toLowerCase()] = {
    balance: '0x0',
    code: l2WithdrawalStoreDeployedBytecode,
  }
  const json: GenesisJson = {
    chainId: options.chainId ?? DEFAULT_L2_CHAIN_ID,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    gasLimit: `0x${(options.gasLimit ?? 30_000_000n).toString(16)}`,
    blockTimeMs: options.blockTimeMs ?? 250,
    minBaseFee: `0x${(options.minBaseFee ?? 1_000_000n).toString(16)}`,
    feeVaults: { ...FEE_VAULTS },
    predeploys: { withdrawalStore: L2_WITHDRAWAL_STORE_ADDRESS.toLowerCase() },
    alloc,
  }
  // normalise through the validator so the file is exactly what every node parses
  const out = genesisToJson(parseGenesis(json))
  return { ...out, chainId: Number(json.chainId), timestamp: Number(json.timestamp) }
}

export type WrittenGenesis = { genesis: Genesis; json: GenesisJson; stateRoot: `0x${string}` }

export function writeGenesis(file: string, options: DevGenesisOptions = {}): WrittenGenesis {
  const json = devGenesisJson(options)
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`)
  const genesis = parseGenesis(json)
  return { genesis, json, stateRoot: genesisStateRoot(genesis) }
}

const USAGE = `usage: npm run genesis -- --out <file> [--chain-id 42069] [--timestamp <unix s>]
       [--gas-limit 30000000] [--block-time-ms 250] [--min-base-fee 1000000]
prints the genesis state root (deploy the Rollup contract with it)`

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  if (!/^[0-9]+$/.test(v)) throw new Error(`invalid --${name}: ${v} (expected an integer)`)
  return Number(v)
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'chain-id': { type: 'string' },
      timestamp: { type: 'string' },
      'gas-limit': { type: 'string' },
      'block-time-ms': { type: 'string' },
      'min-base-fee': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.out) {
    console.log(USAGE)
    process.exit(values.help ? 0 : 2)
  }
  const gasLimit = int('gas-limit', values['gas-limit'])
  const minBaseFee = int('min-base-fee', values['min-base-fee'])
  const options: DevGenesisOptions = {}
  const chainId = int('chain-id', values['chain-id'])
  if (chainId !== undefined) options.chainId = chainId
  const ts = int('timestamp', values.timestamp)
  if (ts !== undefined) options.timestamp = ts
  if (gasLimit !== undefined) options.gasLimit = BigInt(gasLimit)
  const bt = int('block-time-ms', values['block-time-ms'])
  if (bt !== undefined) options.blockTimeMs = bt
  if (minBaseFee !== undefined) options.minBaseFee = BigInt(minBaseFee)
  const { genesis, stateRoot } = writeGenesis(values.out, options)
  console.log(
    JSON.stringify({ out: values.out, chainId: Number(genesis.chainId), stateRoot }, null, 2),
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main()
  } catch (e) {
    console.error(`genesis: ${(e as Error).message}`)
    process.exit(2)
  }
}
