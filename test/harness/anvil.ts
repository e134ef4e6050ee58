import type { ChildProcess } from 'node:child_process'
import { foundryBinary, freePort, spawnOwned, stopProcess, waitFor } from './processes.js'

export type AnvilOptions = {
  /** pinned so behaviour does not move with anvil releases (its default is newer than Cancun) */
  hardfork?: 'cancun' | 'prague'
  chainId?: number
  /** seconds between blocks; omitted = automine */
  blockTime?: number
  /** 1 makes safe/finalized follow the head quickly */
  slotsInAnEpoch?: number
  port?: number
  extraArgs?: string[]
}

export type Anvil = {
  url: string
  port: number
  pid: number
  chainId: number
  process: ChildProcess
  /** the last lines anvil printed, for failure messages */
  output: () => string
  stop: () => Promise<void>
}

/** The well-known anvil dev keys (mnemonic "test test ... junk"), first 10. */
export const ANVIL_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort())
  const chainId = options.chainId ?? 31337
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--hardfork',
    options.hardfork ?? 'cancun',
    '--chain-id',
    String(chainId),
    '--slots-in-an-epoch',
    String(options.slotsInAnEpoch ?? 1),
  ]
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime))
  args.push(...(options.extraArgs ?? []))
  const child = spawnOwned(foundryBinary('anvil'), args)
  let out = ''
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  const stop = () => stopProcess(child)
  try {
    await waitFor(`anvil on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}: ${out}`)
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      return res.ok ? true : undefined
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { url, port, pid: child.pid!, chainId, process: child, output: () => out, stop }
}
