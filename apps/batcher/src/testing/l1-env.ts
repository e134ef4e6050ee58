import net from 'node:net'
import { deployRollup } from '@lanes/contracts'
import type { Hex } from '@lanes/core'
import { ANVIL_KEYS, type Anvil, freePort, startAnvil } from '@lanes/test/harness'
import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'

export const GENESIS_ROOT: Hex = `0x${'11'.repeat(32)}`
export const L2_CHAIN_ID = 424242n
export const BATCHER_KEY = ANVIL_KEYS[1] as Hex

export type L1Env = {
  anvil: Anvil
  rollup: Hex
  client: PublicClient
  rpc: (method: string, params?: unknown[]) => Promise<unknown>
}

/** anvil (Cancun) with the real Rollup deployed; the batcher key is the sequencer role. */
export async function startL1Env(opts: { blockTime?: number } = {}): Promise<L1Env> {
  const anvil = await startAnvil({
    hardfork: 'cancun',
    ...(opts.blockTime ? { blockTime: opts.blockTime } : {}),
  })
  const chain = { ...foundry, id: anvil.chainId }
  const client = createPublicClient({ chain, transport: http(anvil.url) }) as PublicClient
  const walletClient = createWalletClient({
    chain,
    transport: http(anvil.url),
    account: privateKeyToAccount(ANVIL_KEYS[0] as Hex),
  })
  const { rollup } = await deployRollup({
    walletClient,
    publicClient: client,
    genesisStateRoot: GENESIS_ROOT,
    l2ChainId: L2_CHAIN_ID,
    sequencer: privateKeyToAccount(BATCHER_KEY).address,
    prover: privateKeyToAccount(ANVIL_KEYS[2] as Hex).address,
    finalizationDelay: 0n,
    inclusionWindow: 1000n,
  })
  let id = 0
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
    const body = (await res.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }
  return { anvil, rollup, client, rpc }
}

/** A TCP proxy in front of L1 that a test can cut, to make L1 unreachable without losing its state. */
export async function startCutProxy(
  target: string,
): Promise<{ url: string; cut: (on: boolean) => void; close: () => Promise<void> }> {
  const t = new URL(target)
  const port = await freePort()
  let cutOff = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer((c) => {
    if (cutOff) return c.destroy()
    const u = net.connect(Number(t.port), t.hostname)
    sockets.add(c).add(u)
    c.pipe(u).pipe(c)
    const done = () => {
      c.destroy()
      u.destroy()
      sockets.delete(c)
      sockets.delete(u)
    }
    c.on('error', done).on('close', done)
    u.on('error', done).on('close', done)
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${port}`,
    cut: (on) => {
      cutOff = on
      if (on) for (const s of sockets) s.destroy()
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}
