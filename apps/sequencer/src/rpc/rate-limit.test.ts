import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limit.js'

describe('RateLimiter', () => {
  it('allows a burst, refuses past it, refills at the configured rate, per client', () => {
    let now = 0
    const rl = new RateLimiter({ perSecond: 10, burst: 5 }, () => now)
    for (let i = 0; i < 5; i++) expect(rl.take('a')).toBe(true)
    expect(rl.take('a')).toBe(false)
    expect(rl.take('b')).toBe(true) // another client has its own bucket
    now += 100 // one token back
    expect(rl.take('a')).toBe(true)
    expect(rl.take('a')).toBe(false)
    now += 10_000 // refills only up to the burst
    expect(rl.take('a', 5)).toBe(true)
    expect(rl.take('a')).toBe(false)
  })

  it('charges a cost atomically: a too-large batch takes nothing', () => {
    const now = 0
    const rl = new RateLimiter({ perSecond: 1, burst: 3 }, () => now)
    expect(rl.take('a', 4)).toBe(false)
    expect(rl.take('a', 3)).toBe(true)
  })

  it('is off at 0 per second and drops idle buckets', () => {
    expect(new RateLimiter({ perSecond: 0, burst: 1 }).take('a', 1e9)).toBe(true)
    let now = 0
    const rl = new RateLimiter({ perSecond: 100, burst: 100 }, () => now)
    for (let i = 0; i < 50; i++) rl.take(`client-${i}`)
    expect(rl.size).toBe(50)
    now += 5_000
    rl.take('late')
    expect(rl.size).toBe(1)
  })
})
