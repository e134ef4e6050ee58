import { describe, expect, it } from 'vitest'
import { armCrashPoint } from './crash-point.js'
import { ConfigError } from './errors.js'

describe('LANES_TEST_CRASH_AT', () => {
  it('is off when unset or empty, and rejects an unknown step with one line naming it', () => {
    expect(() => armCrashPoint({})).not.toThrow()
    expect(() => armCrashPoint({ LANES_TEST_CRASH_AT: '' })).not.toThrow()
    let error: unknown
    try {
      armCrashPoint({ LANES_TEST_CRASH_AT: 'later' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      'LANES_TEST_CRASH_AT: expected one of planned, signed, sent (got "later")',
    ])
  })
})
