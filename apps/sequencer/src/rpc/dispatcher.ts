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
  /**
   * Optional: all calls of this method in one request at once (their checked params, in
   * order). Resolves with one entry per call: the result, or a CallFailed with its error.
   */
  many?: (argsList: unknown[][], ctx: Ctx) => Promise<unknown[]>
}

/** A call of a `many` group that failed: the error it answers with. */
export class CallFailed {
  constructor(readonly error: unknown) {}
}

/**
 * One JSON-RPC method: positional param schemas (the first `required` must be present) and a
 * handler receiving the checked values. Optional params arrive as undefined.
 */
export function method<Ctx, const S extends readonly TSchema[]>(
  schemas: S,
  required: number,
  handler: (args: ArgsOf<S>, ctx: Ctx) => unknown,
  many?: (argsList: ArgsOf<S>[], ctx: Ctx) => Promise<unknown[]>,
): MethodDef<Ctx> {
  return {
    params: compileParams({ schemas, required }),
    handler: handler as (args: unknown[], ctx: Ctx) => unknown,
    ...(many ? { many: many as (argsList: unknown[][], ctx: Ctx) => Promise<unknown[]> } : {}),
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
    /** calls of methods with a `many` handler, per method */
    let groups: Map<MethodDef<Ctx>, { calls: Call[]; args: unknown[][] }> | undefined
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
        const args = validateParams(def.params, message.params)
        if (def.many && n > 1) {
          groups ??= new Map()
          let g = groups.get(def)
          if (!g) {
            g = { calls: [], args: [] }
            groups.set(def, g)
          }
          g.calls.push({ index: i, id, name, isNotification, started })
          g.args.push(args)
          continue
        }
        value = def.handler(args, ctx)
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
        open.push({ calls: [{ index: i, id, name, isNotification, started }], promise: value })
        continue
      }
      this.#finish(out, i, name, true, isNotification, started, result(id, value))
    }
    if (groups)
      for (const [def, g] of groups) {
        let promise: Promise<unknown>
        try {
          promise = def.many!(g.args, ctx)
        } catch (error) {
          promise = Promise.reject(error)
        }
        open ??= []
        open.push({ calls: g.calls, promise, many: true })
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
      let left = 0
      for (const o of open) left += o.calls.length
      let timer: NodeJS.Timeout | undefined
      const done = (call: Call, response: JsonRpcResponse) => {
        if (call.settled) return
        call.settled = true
        this.#finish(out, call.index, call.name, true, call.isNotification, call.started, response)
        if (--left === 0) {
          clearTimeout(timer)
          resolve(out)
        }
      }
      for (const o of open)
        o.promise.then(
          (value) => {
            if (!o.many) {
              done(o.calls[0]!, result(o.calls[0]!.id, value))
              return
            }
            const values = value as unknown[]
            for (let k = 0; k < o.calls.length; k++) {
              const call = o.calls[k]!
              const v = values[k]
              done(
                call,
                v instanceof CallFailed ? errorResponse(call.id, v.error) : result(call.id, v),
              )
            }
          },
          (error: unknown) => {
            for (const call of o.calls) done(call, errorResponse(call.id, error))
          },
        )
      timer = setTimeout(
        () => {
          for (const o of open)
            for (const call of o.calls) done(call, errorResponse(call.id, requestTimedOut()))
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

type Call = {
  index: number
  id: JsonRpcId
  name: string
  isNotification: boolean
  started: number
  settled?: boolean
}

/** calls waiting on one promise: one call, or a `many` group (the promise gives an array) */
type Open = { calls: Call[]; promise: Promise<unknown>; many?: boolean }

function result(id: JsonRpcId, value: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result: value === undefined ? null : value }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function errorResponse(id: JsonRpcId, error: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: toJsonRpcError(error) }
}
