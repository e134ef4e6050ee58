/**
 * Per-client token bucket. A client (IP) holds up to `burst` tokens, refilled at
 * `perSecond`; every JSON-RPC call (each batch entry) costs one token. Buckets idle long
 * enough to be full again are dropped, so memory stays bounded by active clients.
 */
export type RateLimitConfig = {
  /** sustained calls per second per client; 0 disables rate limiting */
  perSecond: number
  /** bucket size: calls a client may make at once */
  burst: number
}

type Bucket = { tokens: number; at: number }

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #config: RateLimitConfig
  readonly #now: () => number
  #lastSweep: number

  constructor(config: RateLimitConfig, now: () => number = Date.now) {
    this.#config = config
    this.#now = now
    this.#lastSweep = now()
  }

  get enabled(): boolean {
    return this.#config.perSecond > 0
  }

  /** Takes `cost` tokens from `client`'s bucket; false (and nothing taken) if it has too few. */
  take(client: string, cost = 1): boolean {
    if (!this.enabled) return true
    const now = this.#now()
    this.#sweep(now)
    const { perSecond, burst } = this.#config
    const bucket = this.#buckets.get(client) ?? { tokens: burst, at: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
    bucket.at = now
    this.#buckets.set(client, bucket)
    if (bucket.tokens < cost) return false
    bucket.tokens -= cost
    return true
  }

  get size(): number {
    return this.#buckets.size
  }

  #sweep(now: number): void {
    const fullAfterMs = (this.#config.burst / this.#config.perSecond) * 1000
    if (now - this.#lastSweep < Math.max(1000, fullAfterMs)) return
    this.#lastSweep = now
    for (const [client, bucket] of this.#buckets)
      if (now - bucket.at >= fullAfterMs) this.#buckets.delete(client)
  }
}
