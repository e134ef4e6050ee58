import { describe, expect, it } from 'vitest'
import { parseConfig } from './config.js'
import { ConfigError } from './errors.js'

const required = {
  LANES_L1_RPC_URL: 'http://127.0.0.1:8545',
  LANES_SEQUENCER_RPC_URL: 'http://127.0.0.1:8546',
  LANES_REDIS_URL: 'redis://127.0.0.1:6379',
  LANES_DB_PATH: '/tmp/b.db',
  LANES_ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`,
  LANES_BATCHER_KEY: `0x${'22'.repeat(32)}`,
  LANES_L2_CHAIN_ID: '901',
}

describe('parseConfig', () => {
  it.each([
    ['LANES_HTTP_PORT', '70000', '--http-port / LANES_HTTP_PORT'],
    ['LANES_L1_RPC_URL', 'not a url', '--l1-rpc-url / LANES_L1_RPC_URL'],
    ['LANES_REDIS_URL', 'http://x', '--redis-url / LANES_REDIS_URL'],
    [
      'LANES_BATCHER_KEY',
      `0x${'ff'.repeat(32)}`,
      '--batcher-key / LANES_BATCHER_KEY: not a secp256k1',
    ],
    [
      'LANES_BATCHER_KEY',
      `0x${'00'.repeat(32)}`,
      '--batcher-key / LANES_BATCHER_KEY: not a secp256k1',
    ],
  ])('rejects %s=%s with a line naming it', (name, value, line) => {
    let error: unknown
    try {
      parseConfig([], { ...required, [name]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.some((l) => l.startsWith(line))).toBe(true)
  })
  it('gives a malformed key one line, not a second one about the curve', () => {
    try {
      parseConfig([], { ...required, LANES_BATCHER_KEY: '0x1234' })
      expect.unreachable()
    } catch (e) {
      const lines = (e as ConfigError).problems.filter((l) => l.startsWith('--batcher-key'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain('0x1234')
    }
  })
  it('reads env, applies defaults, flags override env', () => {
    const c = parseConfig(['--da-mode', 'blobs', '--confirmations=3'], required)
    expect(c.l2ChainId).toBe(901)
    expect(c.daMode).toBe('blobs')
    expect(c.confirmations).toBe(3)
    expect(c.targetBatchBytes).toBe(120_000)
  })
  it('reports every problem on its own line naming flag and env', () => {
    const env = { ...required, LANES_CONFIRMATIONS: 'two', LANES_DA_MODE: 'carrier-pigeon' }
    delete (env as Record<string, string | undefined>).LANES_REDIS_URL
    try {
      parseConfig(['--bogus', '1'], env)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      const p = (e as ConfigError).problems
      expect(p).toContain('unknown flag --bogus')
      expect(
        p.some((l) => l.startsWith('--redis-url / LANES_REDIS_URL') && l.includes('missing')),
      ).toBe(true)
      expect(
        p.some((l) => l.startsWith('--confirmations / LANES_CONFIRMATIONS') && l.includes('"two"')),
      ).toBe(true)
      expect(p.some((l) => l.startsWith('--da-mode / LANES_DA_MODE'))).toBe(true)
    }
  })
})
