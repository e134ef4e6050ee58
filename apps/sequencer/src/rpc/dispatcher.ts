import type { Static, TSchema } from '@sinclair/typebox'
import {
  invalidRequest,
  type JsonRpcErrorObject,
  methodNotFound,
  requestTimedOut,
  toJsonRpcError,
} from './errors.js'
import { type CompiledParams, compileParams, validateParams } from './schemas.js'

export type JsonRpcId = string | number | null

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcErrorObject }

type ArgsOf<S extends readonly TSchema[]> = { [K in keyof S]: Static<S[K]> | undefined }

export type MethodDef<Ctx> = {
  params: CompiledParams
  handler: (args: unknown[], ctx: Ctx) => unknown
}

/**
 * One JSON-RPC method: positional param schemas (the first `required` must be present) and a
 * handler receiving the checked values. Optional params arrive as undefined.
 */
export function method<Ctx, const S extends readonly TSchema[]>(
  schemas: S,
  required: number,
  handler: (args: ArgsOf<S>, ctx: Ctx) => unknown,
): MethodDef<Ctx> {
  return {
    params: compileParams({ schemas, required }),
    handler: handler as (args: unknown[], ctx: Ctx) => unknown,
  }
}

export type DispatcherOptions = {
  /** most entries in one batch (geth: 1000) */
  batchLimit: number
  /** per-call time budget; past it the call answers -32002 "request timed out" */
  callTimeoutMs: number
  /** called once per call for metrics: method name (or "invalid"), duration, error code */
  onCall?: (method: string, ms: number, errorCode: number | undefined) => void
}

export type DispatchResult = {
  /** undefined when nothing is to be sent (only notifications) */
  body: JsonRpcResponse | JsonRpcResponse[] | undefined
}

function validId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

/** Routes parsed JSON-RPC messages (single or batch) to method handlers; never throws. */
export class Dispatcher<Ctx> {
  readonly #methods: Map<string, MethodDef<Ctx>>
  readonly #options: DispatcherOptions

  constructor(methods: Record<string, MethodDef<Ctx>>, options: DispatcherOptions) {
    this.#methods = new Map(Object.entries(methods))
    this.#options = options
  }

  has(name: string): boolean {
    return this.#methods.has(name)
  }

  /** Number of calls a parsed body contains (the rate limiter charges per call). */
  static callCount(body: unknown): number {
    return Array.isArray(body) ? Math.max(1, body.length) : 1
  }

  async dispatch(body: unknown, ctx: Ctx): Promise<DispatchResult> {
    // one timer per request, not per call: a batch of 1000 calls would arm 1000 timers
    const deadline = new Deadline(this.#options.callTimeoutMs)
    try {
      if (!Array.isArray(body)) return { body: await this.#one(body, ctx, deadline) }
      if (body.length === 0) return { body: errorResponse(null, invalidRequest('empty batch')) }
      if (body.length > this.#options.batchLimit) {
        // geth answers one error carrying the id of the first call
        const first = body.find((m) => isObject(m) && validId(m.id))
        const id = isObject(first) ? (first.id as JsonRpcId) : null
        return { body: [errorResponse(id, invalidRequest('batch too large'))] }
      }
      const responses = await Promise.all(body.map((m) => this.#one(m, ctx, deadline)))
      const out = responses.filter((r): r is JsonRpcResponse => r !== undefined)
      return { body: out.length ? out : undefined }
    } finally {
      deadline.clear()
    }
  }

  async #one(message: unknown, ctx: Ctx, deadline: Deadline): Promise<JsonRpcResponse | undefined> {
    const started = performance.now()
    if (
      !isObject(message) ||
      message.jsonrpc !== '2.0' ||
      typeof message.method !== 'string' ||
      ('id' in message && !validId(message.id))
    ) {
      const id = isObject(message) && validId(message.id) ? message.id : null
      this.#options.onCall?.('invalid', performance.now() - started, -32600)
      return errorResponse(id, invalidRequest())
    }
    const isNotification = !('id' in message)
    const id = isNotification ? null : (message.id as JsonRpcId)
    const name = message.method
    let response: JsonRpcResponse
    try {
      const def = this.#methods.get(name)
      if (!def) throw methodNotFound(name)
      const args = validateParams(def.params, message.params)
      const value = def.handler(args, ctx)
      const result = value instanceof Promise ? await deadline.race(value) : value
      response = { jsonrpc: '2.0', id, result: result === undefined ? null : result }
    } catch (error) {
      response = errorResponse(id, error)
    }
    const code = 'error' in response ? response.error.code : undefined
    this.#options.onCall?.(
      this.#methods.has(name) ? name : 'unknown',
      performance.now() - started,
      code,
    )
    return isNotification ? undefined : response
  }
}

/** The time budget of one request, shared by its calls; the timer starts with the first wait. */
class Deadline {
  readonly #endsAt: number
  #timer: NodeJS.Timeout | undefined
  #expired: Promise<never> | undefined

  constructor(ms: number) {
    this.#endsAt = performance.now() + ms
  }

  race<T>(value: Promise<T>): Promise<T> {
    if (!this.#expired) {
      this.#expired = new Promise<never>((_, reject) => {
        this.#timer = setTimeout(
          () => reject(requestTimedOut()),
          Math.max(0, this.#endsAt - performance.now()),
        )
      })
      // the racers see the rejection; this handler keeps it from also counting as unhandled
      this.#expired.catch(() => {})
    }
    return Promise.race([value, this.#expired])
  }

  clear(): void {
    clearTimeout(this.#timer)
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function errorResponse(id: JsonRpcId, error: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: toJsonRpcError(error) }
}
