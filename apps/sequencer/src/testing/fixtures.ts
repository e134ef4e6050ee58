import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Genesis, type GenesisJson, type Hex, parseGenesis } from '@lanes/core'
import { type Config, loadConfig } from '../config.js'
import { addressOf } from './sign.js'

export const FEE_VAULT = '0x4200000000000000000000000000000000000019'
export const TEST_CHAIN_ID = 42069n

/** Genesis JSON funding each key with 1000 ETH (tests, benchmarks). */
export function testGenesisJson(keys: readonly Hex[], overrides: Partial<GenesisJson> = {}) {
  const alloc: GenesisJson['alloc'] = {}
  for (const k of keys) alloc[addressOf(k)] = { balance: (10n ** 21n).toString() }
  const json: GenesisJson = {
    chainId: Number(TEST_CHAIN_ID),
    timestamp: Math.floor(Date.now() / 1000) - 10,
    gasLimit: '200000000',
    blockTimeMs: 250,
    minBaseFee: '1000000',
    feeVaults: { baseFee: FEE_VAULT, priorityFee: FEE_VAULT, l1Fee: FEE_VAULT },
    alloc,
    ...overrides,
  }
  return json
}

export function testGenesis(keys: readonly Hex[], overrides: Partial<GenesisJson> = {}): Genesis {
  return parseGenesis(testGenesisJson(keys, overrides))
}

export function tempDir(prefix = 'lanes-seq-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function testConfig(dataDir: string, extra: Record<string, string> = {}): Config {
  const argv = [
    '--genesis',
    'unused.json',
    '--data-dir',
    dataDir,
    '--recovery-workers',
    '0',
    '--empty-block-interval-ms',
    '0',
  ]
  for (const [k, v] of Object.entries(extra)) argv.push(k, v)
  return loadConfig(argv, {})
}
