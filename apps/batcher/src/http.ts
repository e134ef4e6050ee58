import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { Queue } from 'bullmq'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

export type HttpDeps = {
  registry: Registry
  queues: Queue[]
  adminToken: string
  ready: () => Promise<{ ok: boolean; reasons: string[] }>
}

/** /healthz (process alive), /readyz (reconciled, L1 and Redis answering), /metrics, /admin/queues (token). */
export async function buildHttp(d: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_req, reply) => {
    const r = await d.ready()
    return reply.code(r.ok ? 200 : 503).send(r)
  })
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', d.registry.contentType).send(await d.registry.metrics()),
  )
  if (d.adminToken) {
    const board = new FastifyAdapter()
    board.setBasePath('/admin/queues')
    // @bull-board/fastify pins its own copy of @bull-board/api; the adapter shape is the same
    type ServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter']
    createBullBoard({
      queues: d.queues.map((q) => new BullMQAdapter(q)),
      serverAdapter: board as unknown as ServerAdapter,
    })
    await app.register(
      async (scope) => {
        scope.addHook('onRequest', async (req, reply) => {
          const auth = req.headers.authorization
          const cookie = /(?:^|;\s*)lanes_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
          const q = (req.query as { token?: string } | undefined)?.token
          const token = auth?.startsWith('Bearer ') ? auth.slice(7) : (q ?? cookie)
          if (token !== d.adminToken) return reply.code(401).send({ error: 'unauthorized' })
          // the UI loads its assets and API without the query token: keep it in a cookie
          if (q)
            reply.header(
              'set-cookie',
              `lanes_admin=${q}; Path=/admin/queues; HttpOnly; SameSite=Strict`,
            )
        })
        await scope.register(board.registerPlugin())
      },
      { prefix: '/admin/queues' },
    )
  } else {
    app.all('/admin/queues', async (_req, reply) =>
      reply.code(404).send({ error: 'admin UI disabled (no admin token)' }),
    )
  }
  return app
}
