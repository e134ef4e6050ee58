import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort, spawnOwned, stopProcess, waitFor } from './processes.js'

export type RedisHandle = {
  url: string
  /** a key prefix unique to this handle; use it for every key and queue */
  prefix: string
  /** true when we started this server (so it may be flushed or killed) */
  owned: boolean
  pid: number | undefined
  process: ChildProcess | undefined
  stop: () => Promise<void>
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError'
}

export function findRedisServer(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() ||
      undefined
    )
  } catch {
    return undefined
  }
}

/** Send one inline command over a raw socket; avoids a client dependency in the harness. */
export function redisCommand(url: string, command: string, timeoutMs = 2000): Promise<string> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port || 6379), u.hostname)
    let buf = ''
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error(`redis ${url} did not answer ${command}`))
    }, timeoutMs)
    sock.on('data', (d) => {
      buf += d.toString()
      if (buf.includes('\r\n')) {
        clearTimeout(timer)
        sock.end()
        resolve(buf.trim())
      }
    })
    sock.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    const auth = u.password ? `AUTH ${decodeURIComponent(u.password)}\r\n` : ''
    sock.write(`${auth}${command}\r\n`)
  })
}

/**
 * A Redis for one test run or devnet: LANES_REDIS_URL when set (never flushed,
 * isolated by a unique prefix), else a private redis-server on a free port
 * with a temp dir, killed at stop.
 */
export async function startRedis(options: { name?: string } = {}): Promise<RedisHandle> {
  const prefix = `lanes-${options.name ?? 'test'}-${process.pid}-${randomBytes(4).toString('hex')}`
  const external = process.env.LANES_REDIS_URL
  if (external) {
    await waitFor(`redis at ${external}`, async () =>
      (await redisCommand(external, 'PING')).includes('PONG') ? true : undefined,
    )
    return {
      url: external,
      prefix,
      owned: false,
      pid: undefined,
      process: undefined,
      stop: async () => {},
    }
  }
  const bin = findRedisServer()
  if (!bin) {
    throw new RedisUnavailableError(
      'redis-server was not found on PATH and LANES_REDIS_URL is not set. ' +
        'Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) ' +
        'or point LANES_REDIS_URL at a Redis 6.2+ server, e.g. LANES_REDIS_URL=redis://127.0.0.1:6379',
    )
  }
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'lanes-redis-'))
  const child = spawnOwned(bin, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ])
  const url = `redis://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcess(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`redis-server on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
      return (await redisCommand(url, 'PING')).includes('PONG') ? true : undefined
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { url, prefix, owned: true, pid: child.pid, process: child, stop }
}
