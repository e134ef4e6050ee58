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
    if (!Array.isArray(body)) {
      const [response] = await this.#run([body], ctx)
      return { body: response }
    }
    if (body.length === 0) return { body: errorResponse(null, invalidRequest('empty batch')) }
    if (body.length > this.#options.batchLimit) {
      // geth answers one error carrying the id of the first call
      const first = body.find((m) => isObject(m) && validId(m.id))
      const id = isObject(first) ? (first.id as JsonRpcId) : null
      return { body: [errorResponse(id, invalidRequest('batch too large'))] }
    }
    const responses = await this.#run(body, ctx)
    const out = responses.filter((r): r is JsonRpcResponse => r !== undefined)
    return { body: out.length ? out : undefined }
  }

  /**
   * Runs every call of a request; synchronous handlers answer at once, asynchronous ones settle
   * into their slot. One timer covers the whole request: when it fires, the calls still open
   * answer -32002 and their late results are dropped. No promise or closure per synchronous
   * call, and one settle callback per asynchronous one (batches of 100+ sends are the hot path).
   */
  #run(messages: unknown[], ctx: Ctx): Promise<(JsonRpcResponse | undefined)[]> {
    const n = messages.length
    const endsAt = performance.now() + this.#options.callTimeoutMs
    const out: (JsonRpcResponse | undefined)[] = new Array(n)
    let open: Open[] | undefined
    for (let i = 0; i < n; i++) {
      const message = messages[i]
      const started = performance.now()
      if (
        !isObject(message) ||
        message.jsonrpc !== '2.0' ||
        typeof message.method !== 'string' ||
        ('id' in message && !validId(message.id))
      ) {
        const id = isObject(message) && validId(message.id) ? message.id : null
        this.#options.onCall?.('invalid', performance.now() - started, -32600)
        out[i] = errorResponse(id, invalidRequest())
        continue
      }
      const isNotification = !('id' in message)
      const id = isNotification ? null : (message.id as JsonRpcId)
      const name = message.method
      const def = this.#methods.get(name)
      let value: unknown
      try {
        if (!def) throw methodNotFound(name)
        value = def.handler(validateParams(def.params, message.params), ctx)
      } catch (error) {
        this.#finish(
          out,
          i,
          name,
          def !== undefined,
          isNotification,
          started,
          errorResponse(id, error),
        )
        continue
      }
      if (value instanceof Promise) {
        open ??= []
        open.push({ index: i, id, name, isNotification, started, promise: value })
        continue
      }
      this.#finish(out, i, name, true, isNotification, started, result(id, value))
    }
    if (!open) return Promise.resolve(out)
    return this.#settle(out, open, endsAt)
  }

  #settle(
    out: (JsonRpcResponse | undefined)[],
    open: Open[],
    endsAt: number,
  ): Promise<(JsonRpcResponse | undefined)[]> {
    return new Promise((resolve) => {
      let left = open.length
      let timer: NodeJS.Timeout | undefined
      const done = (call: Open, response: JsonRpcResponse) => {
        if (call.settled) return
        call.settled = true
        this.#finish(out, call.index, call.name, true, call.isNotification, call.started, response)
        if (--left === 0) {
          clearTimeout(timer)
          resolve(out)
        }
      }
      for (const call of open)
        call.promise.then(
          (value) => done(call, result(call.id, value)),
          (error: unknown) => done(call, errorResponse(call.id, error)),
        )
      if (left === 0) return
      timer = setTimeout(
        () => {
          for (const call of open) done(call, errorResponse(call.id, requestTimedOut()))
        },
        Math.max(0, endsAt - performance.now()),
      )
    })
  }

  #finish(
    out: (JsonRpcResponse | undefined)[],
    index: number,
    name: string,
    known: boolean,
    isNotification: boolean,
    started: number,
    response: JsonRpcResponse,
  ): void {
    const code = 'error' in response ? response.error.code : undefined
    this.#options.onCall?.(known ? name : 'unknown', performance.now() - started, code)
    out[index] = isNotification ? undefined : response
  }
}

type Open = {
  index: number
  id: JsonRpcId
  name: string
  isNotification: boolean
  started: number
  promise: Promise<unknown>
  settled?: boolean
}

function result(id: JsonRpcId, value: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result: value === undefined ? null : value }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function errorResponse(id: JsonRpcId, error: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: toJsonRpcError(error) }
}
