import { readFileSync } from 'node:fs'
import { parseGenesis } from '@lanes/core'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, configTable, loadConfig } from './config.js'
import { L1Follower } from './l1/follower.js'
import { SealedPublisher } from './publisher.js'
import { Sequencer } from './sequencer.js'

/**
 * Composition root: config → genesis → node (store, tree, pool, builder) → BullMQ publisher
 * → JSON-RPC server; SIGTERM/SIGINT finish the block being sealed, flush and close.
 * Prints one JSON log line `{"msg":"listening","url":...}` when it serves.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help')) {
    process.stdout.write(`lanes-sequencer [options]\n\n${configTable()}\n`)
    return
  }
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(argv)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lanes-sequencer: ${error.shortMessage}\n`)
      process.exit(2)
    }
    throw error
  }
  const log = pino({ level: config.logLevel, base: { app: 'sequencer' } })
  let genesisJson: unknown
  try {
    genesisJson = JSON.parse(readFileSync(config.genesis, 'utf8'))
  } catch (error) {
    // a bad --genesis is a config error: one stderr line, like the others
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
    process.stderr.write(
      `lanes-sequencer: cannot read --genesis / LANES_GENESIS file ${config.genesis}: ${why}\n`,
    )
    process.exit(2)
  }
  const genesis = parseGenesis(genesisJson)

  let l1: L1Follower | undefined
  if (config.l1RpcUrl && config.rollupAddress) {
    l1 = new L1Follower({
      rpcUrl: config.l1RpcUrl,
      rollup: config.rollupAddress as `0x${string}`,
      startBlock: BigInt(config.rollupStartBlock),
      confirmations: BigInt(config.l1Confirmations),
      pollMs: config.l1PollMs,
      onError: (err) =>
        log.warn({ err: (err as Error).message?.split('\n')[0] }, 'L1 poll failed; retrying'),
    })
    // every block is anchored to an L1 origin: do not seal before the first one is known
    for (let attempt = 1; ; attempt++) {
      try {
        await l1.sync()
        // a young L1 (fewer blocks than --l1-confirmations) has no confirmed origin yet
        if (l1.hasOrigin()) break
        if (attempt === 1) log.info('waiting for L1 to pass the confirmation depth')
        await new Promise((r) => setTimeout(r, 500))
      } catch (err) {
        log.warn({ attempt, err: (err as Error).message?.split('\n')[0] }, 'waiting for L1')
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)))
      }
    }
    l1.start()
  }

  let publisher: SealedPublisher | undefined
  let node: Sequencer
  try {
    node = Sequencer.open({
      config,
      genesis,
      ...(l1 ? { l1 } : {}),
      onSealed: (b) => publisher?.notify(b.header.number),
      onHalt: (error) => {
        log.fatal({ err: error }, 'block production halted')
        process.exit(1)
      },
    })
  } catch (error) {
    log.fatal({ err: error }, 'cannot start the sequencer')
    process.exit(1)
  }
  if (config.redisUrl) {
    publisher = new SealedPublisher({
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      store: node.store,
      onError: (err) => log.warn({ err }, 'sealed-block event not enqueued yet, retrying'),
    })
    publisher.start()
    publisher.notify(node.headNumber())
  }

  const app = await buildApp({
    node,
    config,
    logger: log,
    ...(l1 ? { finalizedBatchOf: (block: bigint) => l1.finalizedBatchOf(block) } : {}),
  })
  const address = await app.listen({ host: config.host, port: config.port })
  // the listening line is printed at any log level: scripts and tests wait for it
  const announce = log.isLevelEnabled('info') ? log : pino({ base: { app: 'sequencer' } })
  announce.info(
    {
      url: address,
      chainId: genesis.chainId.toString(),
      head: node.headNumber().toString(),
      pool: node.poolStatus(),
    },
    'listening',
  )

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    try {
      l1?.stop()
      await app.close()
      await publisher?.close()
      await node.close()
      log.info('stopped')
      process.exit(0)
    } catch (error) {
      log.error({ err: error }, 'unclean shutdown')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

await main()
