import { configHelp, parseConfig } from './config.js'
import { armCrashPoint } from './crash-point.js'
import { ConfigError } from './errors.js'

/** Composition root: config → service → start; SIGTERM/SIGINT stop it gracefully. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help')) {
    process.stdout.write(`lanes batcher\n\n${configHelp()}\n`)
    return
  }
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(argv, process.env)
    armCrashPoint(process.env)
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  // heavy modules load only after the settings are known to be good
  const [{ default: pino }, { RpcBlockSource }, { ViemL1Client }, { createBatcherService }] =
    await Promise.all([
      import('pino'),
      import('./block-source.js'),
      import('./l1/client.js'),
      import('./service.js'),
    ])
  const log = pino({ level: config.logLevel, name: 'batcher' })
  const service = await createBatcherService({
    config,
    l1: new ViemL1Client(config.l1RpcUrl, config.rollupAddress as `0x${string}`),
    source: new RpcBlockSource(config.sequencerRpcUrl),
    log,
  })
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    const force = setTimeout(() => process.exit(1), 30_000)
    force.unref()
    await service.stop()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  await service.start({ listen: true })
  log.info(
    { port: config.httpPort, rollup: config.rollupAddress, address: service.txm.address },
    'batcher running',
  )
}

await main()
