import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hex } from '@lanes/core'
import { freePort, spawnOwned, stopProcess, waitFor } from '@lanes/test/harness'
import { privateKeyToAccount } from 'viem/accounts'

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url))

/**
 * The real sequencer (apps/sequencer/src/main.ts) as an owned child process on a free port,
 * with a temp data dir and a genesis funding `keys`; resolves once /readyz answers 200.
 */
export async function startRealSequencer(o: {
  keys: readonly Hex[]
  chainId: bigint
  args?: string[]
}): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanes-batcher-seq-'))
  const alloc: Record<string, { balance: string }> = {}
  for (const k of o.keys)
    alloc[privateKeyToAccount(k).address.toLowerCase()] = { balance: (10n ** 21n).toString() }
  const vault = '0x4200000000000000000000000000000000000019'
  writeFileSync(
    path.join(dir, 'genesis.json'),
    JSON.stringify({
      chainId: Number(o.chainId),
      timestamp: Math.floor(Date.now() / 1000) - 10,
      gasLimit: '30000000',
      blockTimeMs: 100,
      minBaseFee: '1000000',
      feeVaults: { baseFee: vault, priorityFee: vault, l1Fee: vault },
      alloc,
    }),
  )
  const port = await freePort()
  const child = spawnOwned(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'apps/sequencer/src/main.ts'),
      '--genesis',
      path.join(dir, 'genesis.json'),
      '--data-dir',
      dir,
      '--port',
      String(port),
      '--log-level',
      'warn',
      ...(o.args ?? []),
    ],
    { cwd: ROOT },
  )
  const lines: string[] = []
  const keep = (d: Buffer) => {
    lines.push(...d.toString().split('\n'))
    lines.splice(0, Math.max(0, lines.length - 200))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcess(child, 5000)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(
      'sequencer /readyz',
      async () => {
        if (child.exitCode !== null) throw new Error(`sequencer exited with ${child.exitCode}`)
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200
          ? true
          : undefined
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    )
  } catch (e) {
    await stop()
    throw new Error(`sequencer did not become ready:\n${lines.join('\n')}`, { cause: e })
  }
  return { url, output: () => lines.join('\n'), stop }
}
