import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { ConfigError, envOf, flagOf, loadSettings, settingsTable } from './settings.js'

const Schema = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 8545, description: 'port' }),
  dataDir: Type.String({ minLength: 1, description: 'where data lives' }),
  fresh: Type.Boolean({ default: false, description: 'wipe' }),
  mode: Type.Union([Type.Literal('calldata'), Type.Literal('blobs')], { default: 'calldata' }),
})

describe('loadSettings', () => {
  it('maps keys to flags and env vars; flag beats env beats default', () => {
    expect(flagOf('dataDir')).toBe('--data-dir')
    expect(envOf('dataDir')).toBe('LANES_DATA_DIR')
    const s = loadSettings(Schema, ['--data-dir', '/x', '--fresh'], {
      LANES_PORT: '9000',
      LANES_DATA_DIR: '/y',
    })
    expect(s).toEqual({ port: 9000, dataDir: '/x', fresh: true, mode: 'calldata' })
    expect(
      loadSettings(Schema, ['--port=1', '--mode', 'blobs'], { LANES_DATA_DIR: '/y' }),
    ).toMatchObject({ port: 1, mode: 'blobs' })
  })

  it.each([
    [
      ['--port', '0', '--data-dir', 'x'],
      {},
      'invalid --port (--port / LANES_PORT): must be between 1 and 65535, got 0',
    ],
    [
      ['--data-dir', 'x'],
      { LANES_PORT: 'abc' },
      'invalid LANES_PORT (--port / LANES_PORT): expected an integer, got "abc"',
    ],
    [[], {}, 'missing required setting --data-dir / LANES_DATA_DIR: where data lives'],
    [['--nope'], {}, 'unknown option --nope (see --help)'],
    [['--data-dir'], {}, 'option --data-dir needs a value'],
    [['--data-dir', 'x', '--mode', 'tape'], {}, 'must be one of calldata, blobs, got "tape"'],
    [['--data-dir', 'x', '--fresh=maybe'], {}, 'expected true or false, got "maybe"'],
  ])('rejects %j %j with one clear line', (argv, env, message) => {
    let error: unknown
    try {
      loadSettings(Schema, argv, env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).shortMessage).toContain(message)
    expect((error as ConfigError).shortMessage).not.toContain('\n')
  })

  it('renders the README table from the schema', () => {
    expect(settingsTable(Schema)).toContain(
      '| `--data-dir` | `LANES_DATA_DIR` | (required) | where data lives |',
    )
  })
})

describe('isPrivateKey', () => {
  it('accepts 1 .. n-1 as 32-byte hex and nothing else', async () => {
    const { isPrivateKey, SECP256K1_N } = await import('./index.js')
    expect(isPrivateKey(`0x${'00'.repeat(31)}01`)).toBe(true)
    expect(isPrivateKey(`0x${(SECP256K1_N - 1n).toString(16)}`)).toBe(true)
    expect(isPrivateKey(`0x${SECP256K1_N.toString(16)}`)).toBe(false)
    expect(isPrivateKey(`0x${'00'.repeat(32)}`)).toBe(false)
    expect(isPrivateKey('0x1234')).toBe(false)
  })
})
