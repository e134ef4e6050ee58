import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { privateKeyToAccount } from 'viem/accounts'
import { freePort, spawnOwned, stopProcess, waitFor } from '../harness/processes.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const LANES_CHAIN_ID = 42069

export type LanesProcess = {
  url: string
  wsUrl: string
  port: number
  dataDir: string
  process: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts the real sequencer (apps/sequencer/src/main.ts under tsx) on a free port with a temp
 * data dir and a genesis funding `keys` with 1000 ETH each; resolves once /readyz is 200.
 */
export async function startLanes(
  keys: readonly `0x${string}`[],
  extraArgs: string[] = [],
): Promise<LanesProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lanes-e2e-'))
  const alloc: Record<string, { balance: string }> = {}
  for (const k of keys)
    alloc[privateKeyToAccount(k).address.toLowerCase()] = { balance: (10n ** 21n).toString() }
  const vault = '0x4200000000000000000000000000000000000019'
  const genesis = {
    chainId: LANES_CHAIN_ID,
    timestamp: Math.floor(Date.now() / 1000) - 10,
    gasLimit: '30000000',
    blockTimeMs: 100,
    minBaseFee: '1000000',
    feeVaults: { baseFee: vault, priorityFee: vault, l1Fee: vault },
    alloc,
  }
  const genesisFile = path.join(dataDir, 'genesis.json')
  writeFileSync(genesisFile, JSON.stringify(genesis))
  const port = await freePort()
  const child = spawnOwned(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'apps/sequencer/src/main.ts'),
      '--genesis',
      genesisFile,
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--block-time-ms',
      '100',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { cwd: repoRoot },
  )
  const lines: string[] = []
  const keep = (d: Buffer) => {
    lines.push(...d.toString().split('\n'))
    if (lines.length > 200) lines.splice(0, lines.length - 200)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const output = () => lines.join('\n')
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcess(child, 5000)
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`sequencer exited with ${code}`))),
    )
    await Promise.race([
      exited,
      waitFor(
        'sequencer /readyz',
        async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 100 },
      ),
    ])
  } catch (error) {
    await stop()
    throw new Error(`sequencer did not become ready:\n${output()}`, { cause: error })
  }
  return { url, wsUrl: `ws://127.0.0.1:${port}/`, port, dataDir, process: child, output, stop }
}
