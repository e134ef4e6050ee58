// Composition root of the prover stub: settings, service, status server, signals.
import { ConfigError, isPrivateKey, LanesError, loadSettings } from '@lanes/core'
import pino from 'pino'
import { buildApp } from './app.js'
import { ProverConfigSchema } from './config.js'
import { ProverService } from './service.js'

let config: ReturnType<typeof loadSettings<typeof ProverConfigSchema>>
try {
  config = loadSettings(ProverConfigSchema)
  if (!isPrivateKey(config.proverKey))
    throw new ConfigError(
      'invalid --prover-key (--prover-key / LANES_PROVER_KEY): not a secp256k1 private key (must be 1 .. n-1)',
    )
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`prover-stub: ${e.shortMessage}`)
    process.exit(2)
  }
  throw e
}

const log = pino({ level: config.logLevel, base: { app: 'prover' } })
let prover: ProverService
try {
  prover = new ProverService(config, log, (error) => {
    if (!config.keepServingOnMismatch) {
      log.fatal(
        { err: error.message },
        'halting on mismatch (set --keep-serving-on-mismatch to keep serving status)',
      )
      process.exitCode = 3
      void shutdown()
    }
  })
  await prover.checkGenesis()
} catch (e) {
  log.fatal(
    { err: (e as Error).message },
    e instanceof LanesError ? e.shortMessage : 'prover failed to start',
  )
  process.exit(1)
}
const app = buildApp(prover)
await app.listen({ host: config.host, port: config.port })
log.info(
  { url: `http://${config.host}:${config.port}`, rollup: config.rollupAddress },
  'prover started',
)
prover.start()

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  await prover.stop()
  await app.close()
  log.info({}, 'prover stopped')
  // open handles (L1 HTTP keep-alive, timers) must not keep a stopped prover alive
  process.exit(process.exitCode ?? 0)
}
process.on('SIGTERM', () => void shutdown())
process.on('SIGINT', () => void shutdown())
