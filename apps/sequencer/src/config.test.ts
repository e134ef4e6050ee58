import { describe, expect, it } from 'vitest'
import { ConfigError, configTable, envOf, flagOf, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('maps keys to flags and env names', () => {
    expect(flagOf('blockTimeMs')).toBe('--block-time-ms')
    expect(envOf('blockTimeMs')).toBe('LANES_BLOCK_TIME_MS')
  })

  it('applies defaults, env, then flags', () => {
    const c = loadConfig(['--genesis', 'g.json', '--port=1234', '--parallel-execution'], {
      LANES_BLOCK_TIME_MS: '100',
      LANES_PORT: '999',
    })
    expect(c.genesis).toBe('g.json')
    expect(c.port).toBe(1234)
    expect(c.blockTimeMs).toBe(100)
    expect(c.parallelExecution).toBe(true)
    expect(c.queuePrefix).toBe('{lanes}')
  })

  it.each([
    [['--genesis', 'g', '--block-time-ms', 'abc'], {}, /--block-time-ms.*integer.*"abc"/],
    [['--genesis', 'g'], { LANES_BLOCK_TIME_MS: '0' }, /LANES_BLOCK_TIME_MS.*between 1/],
    [[], {}, /missing required setting --genesis \/ LANES_GENESIS/],
    [['--genesis', 'g', '--nope'], {}, /unknown option --nope/],
    [['--genesis', 'g', '--log-level', 'loud'], {}, /--log-level.*one of fatal/],
    [['--genesis', 'g', '--rollup-address', '0x12'], {}, /--rollup-address/],
    [['--genesis'], {}, /--genesis needs a value/],
  ])('rejects %j %j with one clear line', (argv, env, message) => {
    let error: unknown
    try {
      loadConfig(argv, env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).shortMessage).toMatch(message)
    expect((error as ConfigError).shortMessage).not.toContain('\n')
  })

  it('renders the settings table', () => {
    const table = configTable()
    expect(table).toContain('| `--block-time-ms` | `LANES_BLOCK_TIME_MS` | `250` |')
    expect(table).toContain('(required)')
  })
})
