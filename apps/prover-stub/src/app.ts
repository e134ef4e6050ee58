import Fastify, { type FastifyInstance } from 'fastify'
import type { ProverService } from './service.js'

/** Status endpoints of the prover: /healthz, /readyz (503 once halted), /metrics, /status. */
export function buildApp(prover: ProverService): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_, reply) => {
    const s = prover.status()
    if (s.halted) return reply.code(503).send({ ready: false, reason: s.halted })
    return { ready: true }
  })
  app.get('/status', async () => prover.status())
  app.get('/metrics', async (_, reply) => {
    reply.header('content-type', prover.metrics.registry.contentType)
    return prover.metrics.registry.metrics()
  })
  return app
}
