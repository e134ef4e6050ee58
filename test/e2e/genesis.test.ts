import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { L2_WITHDRAWAL_STORE_ADDRESS, l2WithdrawalStoreDeployedBytecode } from '@lanes/contracts'
import { parseGenesis } from '@lanes/core'
import { REPO_ROOT } from '@lanes/infra/devnet'
import { devGenesisJson, FEE_VAULTS } from '@lanes/infra/genesis'
import { genesisStateRoot } from '@lanes/state-tree'
import { ANVIL_KEYS } from '@lanes/test/harness'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const dir = mkdtempSync(path.join(tmpdir(), 'lanes-genesis-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm run genesis', () => {
  it('writes a valid genesis and prints its state root', async () => {
    const out = path.join(dir, 'g.json')
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'infra/src/genesis.ts',
        '--out',
        out,
        '--chain-id',
        '777',
        '--timestamp',
        '1700000000',
      ],
      { cwd: REPO_ROOT },
    )
    const printed = JSON.parse(stdout) as { stateRoot: string; chainId: number }
    const genesis = parseGenesis(JSON.parse(readFileSync(out, 'utf8')))
    expect(printed.chainId).toBe(777)
    expect(genesis.chainId).toBe(777n)
    expect(genesis.timestamp).toBe(1_700_000_000n)
    expect(printed.stateRoot).toBe(genesisStateRoot(genesis))
  }, 30_000)

  it('funds the ten anvil dev accounts and predeploys the withdrawal store', () => {
    const genesis = parseGenesis(devGenesisJson({ timestamp: 1 }))
    for (const key of ANVIL_KEYS) {
      const a = genesis.alloc.get(privateKeyToAccount(key).address.toLowerCase() as `0x${string}`)
      expect(a?.balance).toBe(10_000n * 10n ** 18n)
    }
    const store = genesis.alloc.get(L2_WITHDRAWAL_STORE_ADDRESS.toLowerCase() as `0x${string}`)
    expect(Buffer.from(store!.code).toString('hex')).toBe(
      l2WithdrawalStoreDeployedBytecode.slice(2).toLowerCase(),
    )
    expect(genesis.predeploys.withdrawalStore).toBe(L2_WITHDRAWAL_STORE_ADDRESS.toLowerCase())
    expect(genesis.feeVaults).toEqual(FEE_VAULTS)
    expect(genesis.chainId).toBe(42069n)
  })

  it('is deterministic for a fixed timestamp and its root follows the allocations', () => {
    const a = genesisStateRoot(parseGenesis(devGenesisJson({ timestamp: 5 })))
    const b = genesisStateRoot(parseGenesis(devGenesisJson({ timestamp: 5 })))
    expect(a).toBe(b)
    // the root commits to state only; a different balance must change it
    const c = genesisStateRoot(parseGenesis(devGenesisJson({ timestamp: 5, devBalance: 1n })))
    expect(c).not.toBe(a)
  })
})
