import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { startAnvil } from './anvil.js'
import { isAlive, waitFor } from './processes.js'
import { redisCommand, startRedis } from './redis.js'

const rpc = async (url: string, method: string, params: unknown[] = []) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return ((await res.json()) as { result: unknown }).result
}

describe('test harness', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups) await c()
  })

  it('starts anvil on a free port with the pinned chain id and stops it', async () => {
    const anvil = await startAnvil({ chainId: 901 })
    cleanups.push(anvil.stop)
    expect(await rpc(anvil.url, 'eth_chainId')).toBe('0x385')
    await anvil.stop()
    expect(isAlive(anvil.pid)).toBe(false)
  })

  it('starts a redis (private unless LANES_REDIS_URL) with a unique prefix', async () => {
    const a = await startRedis()
    const b = await startRedis()
    cleanups.push(a.stop, b.stop)
    expect(await redisCommand(a.url, 'PING')).toContain('PONG')
    expect(a.prefix).not.toBe(b.prefix)
    if (a.owned) {
      expect(a.url).not.toBe(b.url)
      await a.stop()
      expect(isAlive(a.pid!)).toBe(false)
    } else {
      expect(a.url).toBe(process.env.LANES_REDIS_URL)
    }
  })

  it('leaves no orphan when the owning process is killed with SIGKILL', async () => {
    const script = fileURLToPath(new URL('./fixtures/hold.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const line = await new Promise<string>((resolve, reject) => {
      let buf = ''
      child.stdout.on('data', (d) => {
        buf += d.toString()
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
      })
      child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
    })
    const pids = JSON.parse(line) as { anvil: number; redis: number | null }
    expect(isAlive(pids.anvil)).toBe(true)
    child.kill('SIGKILL')
    await waitFor('anvil to be reaped', async () => (isAlive(pids.anvil) ? undefined : true), {
      timeoutMs: 10_000,
    })
    if (pids.redis !== null) {
      await waitFor('redis to be reaped', async () => (isAlive(pids.redis!) ? undefined : true), {
        timeoutMs: 10_000,
      })
    }
  })
})
