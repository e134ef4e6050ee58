// Test fixture shared by the prover's tests: one small L2 genesis and its executor settings.
import { type Genesis, type GenesisJson, parseGenesis } from '@lanes/core'
import type { ExecutorConfig } from '@lanes/executor'

export const TEST_L2_CHAIN_ID = 42069n

/** A genesis (chain 42069, 30M gas, fee vaults 0x…b0001-3) funding `alloc`. */
export function testGenesis(alloc: GenesisJson['alloc'] = {}): {
  json: GenesisJson
  genesis: Genesis
  execConfig: ExecutorConfig
} {
  const json: GenesisJson = {
    chainId: Number(TEST_L2_CHAIN_ID),
    timestamp: 1_700_000_000,
    gasLimit: '30000000',
    blockTimeMs: 250,
    minBaseFee: '1000000',
    feeVaults: {
      baseFee: '0x00000000000000000000000000000000000b0001',
      priorityFee: '0x00000000000000000000000000000000000b0002',
      l1Fee: '0x00000000000000000000000000000000000b0003',
    },
    alloc,
  }
  const genesis = parseGenesis(json)
  return {
    json,
    genesis,
    execConfig: {
      baseFeeVault: genesis.feeVaults.baseFee,
      priorityFeeVault: genesis.feeVaults.priorityFee,
      l1FeeVault: genesis.feeVaults.l1Fee,
      l1BaseFeeScalar: 1368n,
      l1BlobBaseFeeScalar: 810949n,
    },
  }
}

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} }
