import websocket from '@fastify/websocket'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'
import type { Config } from './config.js'
import type { SequencerNode } from './node.js'
import type { FinalizedBatchFinder } from './rpc/bridge.js'
import type { RpcContext } from './rpc/context.js'
import { Dispatcher, errorResponse, type JsonRpcId } from './rpc/dispatcher.js'
import { bodyTooLarge, parseError, rateLimited } from './rpc/errors.js'
import { FilterManager } from './rpc/filters.js'
import { rpcMethods } from './rpc/methods.js'
import { RateLimiter } from './rpc/rate-limit.js'
import { SubscriptionHub } from './rpc/subscriptions.js'

/** The settings the JSON-RPC server reads (names as in config.ts). */
export type AppConfig = Pick<
  Config,
  | 'rpcBatchLimit'
  | 'rpcBodyLimit'
  | 'rpcTimeoutMs'
  | 'rateLimitPerSecond'
  | 'rateLimitBurst'
  | 'filterTimeoutMs'
  | 'maxFilters'
  | 'wsMaxBufferedBytes'
> & {
  /** web3_clientVersion */
  clientVersion: string
}

export const APP_DEFAULTS: AppConfig = {
  rpcBatchLimit: 1000,
  rpcBodyLimit: 32 * 1024 * 1024,
  rpcTimeoutMs: 30_000,
  rateLimitPerSecond: 0,
  rateLimitBurst: 2000,
  filterTimeoutMs: 5 * 60_000,
  clientVersion: `Lanes/v0.1.0/${process.platform}-${process.arch}/node${process.versions.node}`,
  maxFilters: 10_000,
  wsMaxBufferedBytes: 16 * 1024 * 1024,
}

export type BuildAppOptions = {
  node: SequencerNode
  /** missing keys take APP_DEFAULTS; a full `Config` from loadConfig() fits */
  config?: Partial<AppConfig>
  /** a pino logger; none: fastify logs nothing */
  logger?: FastifyBaseLogger
  /** enables lanes_getWithdrawalProof: the finalized batch holding an L2 block, read from L1 */
  finalizedBatchOf?: FinalizedBatchFinder
}

function rpcMetrics(registry: Registry) {
  const calls =
    (registry.getSingleMetric('lanes_rpc_calls_total') as Counter<'method' | 'code'> | undefined) ??
    new Counter({
      name: 'lanes_rpc_calls_total',
      help: 'JSON-RPC calls by method and result code (0 = success)',
      labelNames: ['method', 'code'] as const,
      registers: [registry],
    })
  const duration =
    (registry.getSingleMetric('lanes_rpc_call_seconds') as Histogram<'method'> | undefined) ??
    new Histogram({
      name: 'lanes_rpc_call_seconds',
      help: 'JSON-RPC call duration by method',
      labelNames: ['method'] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    })
  const limited =
    (registry.getSingleMetric('lanes_rpc_rate_limited_total') as Counter | undefined) ??
    new Counter({
      name: 'lanes_rpc_rate_limited_total',
      help: 'JSON-RPC requests refused by the per-client rate limit',
      registers: [registry],
    })
  // the labelled children, made once: labelling on every call hashed the label set each time
  const children = new Map<
    string,
    { calls: { inc(): void }; duration: { observe(v: number): void } }
  >()
  const of = (method: string, code: number) => {
    const key = `${method} ${code}`
    let c = children.get(key)
    if (!c) {
      c = { calls: calls.labels(method, String(code)), duration: duration.labels(method) }
      children.set(key, c)
    }
    return c
  }
  return { calls, duration, limited, of }
}

function firstId(body: unknown): JsonRpcId {
  const first = Array.isArray(body) ? body[0] : body
  if (typeof first === 'object' && first !== null && 'id' in first) {
    const id = (first as { id: unknown }).id
    if (typeof id === 'string' || typeof id === 'number') return id
  }
  return null
}

/**
 * The sequencer's HTTP + WebSocket JSON-RPC server on one port: POST / (single or batch),
 * GET / upgraded to WebSocket (JSON-RPC + eth_subscribe), /healthz, /readyz, /metrics.
 * Not listening yet: call `listen()` (main.ts) or use `inject()` (tests).
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config: AppConfig = { ...APP_DEFAULTS, ...definedOnly(options.config ?? {}) }
  const { node } = options
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: config.rpcBodyLimit,
    // receiving one request may not take longer than a call's own budget
    requestTimeout: config.rpcTimeoutMs,
    return503OnClosing: true,
  }) as unknown as FastifyInstance

  const metrics = rpcMetrics(node.metrics)
  const limiter = new RateLimiter({
    perSecond: config.rateLimitPerSecond,
    burst: config.rateLimitBurst,
  })
  const filters = new FilterManager(node, {
    timeoutMs: config.filterTimeoutMs,
    maxFilters: config.maxFilters,
  })
  const hub = new SubscriptionHub(node)
  const dispatcher = new Dispatcher<RpcContext>(rpcMethods, {
    batchLimit: config.rpcBatchLimit,
    callTimeoutMs: config.rpcTimeoutMs,
    onCall: (method, ms, code) => {
      const m = metrics.of(method, code ?? 0)
      m.calls.inc()
      m.duration.observe(ms / 1000)
    },
  })
  const baseCtx: RpcContext = {
    node,
    filters,
    clientVersion: config.clientVersion,
    ...(options.finalizedBatchOf ? { finalizedBatchOf: options.finalizedBatchOf } : {}),
  }

  app.addHook('onClose', async () => {
    filters.close()
    hub.close()
  })

  // The body is parsed here, not by fastify, so malformed JSON answers -32700 like geth.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413)
      return reply.code(413).send(errorResponse(null, bodyTooLarge()))
    request.log.error({ err: error }, 'request failed')
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    return reply.code(status).send(errorResponse(null, error))
  })

  // Browsers (dapps) call the RPC cross-origin; it holds no cookies or keys, so any origin may.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
  })
  app.options('/', async (_request, reply) =>
    reply
      .header('access-control-allow-methods', 'POST, GET, OPTIONS')
      .header('access-control-allow-headers', 'content-type')
      .code(204)
      .send(),
  )

  app.get('/healthz', async (_request, reply) => {
    const h = node.health()
    return reply.code(h.live ? 200 : 503).send({ status: h.live ? 'ok' : 'down', ...h })
  })
  app.get('/readyz', async (_request, reply) => {
    const h = node.health()
    return reply.code(h.ready ? 200 : 503).send({ status: h.ready ? 'ready' : 'not ready', ...h })
  })
  app.get('/metrics', async (_request, reply) =>
    reply.type(node.metrics.contentType).send(await node.metrics.metrics()),
  )

  app.post('/', async (request, reply) => {
    let body: unknown
    try {
      body = JSON.parse(request.body as string)
    } catch {
      return reply.send(errorResponse(null, parseError()))
    }
    if (!limiter.take(request.ip, Dispatcher.callCount(body))) {
      metrics.limited.inc()
      return reply.code(429).send(errorResponse(firstId(body), rateLimited()))
    }
    const { body: out } = await dispatcher.dispatch(body, baseCtx)
    if (out === undefined) return reply.code(200).send()
    return reply.type('application/json').send(out)
  })

  await app.register(websocket, { options: { maxPayload: config.rpcBodyLimit } })
  app.route({
    method: 'GET',
    url: '/',
    // a plain GET (load balancer probe) gets 200 and nothing, like geth
    handler: async (_request, reply) => reply.code(200).send(),
    wsHandler: (socket, request) => {
      // a subscriber that does not read its notifications is dropped (geth does the same)
      // instead of buffering without bound
      const session = hub.open((message) => {
        if (socket.readyState !== socket.OPEN) return
        if (socket.bufferedAmount > config.wsMaxBufferedBytes) {
          socket.close(1008, 'subscriber too slow')
          return
        }
        socket.send(message)
      })
      const ctx: RpcContext = { ...baseCtx, session }
      const reply = (payload: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload))
      }
      socket.on('message', (data) => {
        let body: unknown
        try {
          body = JSON.parse(data.toString())
        } catch {
          reply(errorResponse(null, parseError()))
          return
        }
        if (!limiter.take(request.ip, Dispatcher.callCount(body))) {
          metrics.limited.inc()
          reply(errorResponse(firstId(body), rateLimited()))
          return
        }
        void dispatcher.dispatch(body, ctx).then(({ body: out }) => {
          if (out !== undefined) reply(out)
        })
      })
      socket.on('close', () => session.close())
      socket.on('error', () => session.close())
    },
  })

  return app
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
