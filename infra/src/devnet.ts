// `npm run devnet`: the whole local stack. Today: anvil (L1) and Redis; the apps join as they land.
import { startAnvil, startRedis } from '@lanes/test/harness'

const l1Port = Number(process.env.LANES_DEVNET_L1_PORT ?? 8545)
if (!Number.isInteger(l1Port) || l1Port < 1 || l1Port > 65535) {
  console.error(
    `invalid LANES_DEVNET_L1_PORT: ${process.env.LANES_DEVNET_L1_PORT} (expected 1-65535)`,
  )
  process.exit(2)
}

const anvil = await startAnvil({ port: l1Port, blockTime: 2, chainId: 31337 })
console.log(`[devnet] L1 anvil   ${anvil.url} (chain 31337, cancun, 2 s blocks, pid ${anvil.pid})`)
let redis: Awaited<ReturnType<typeof startRedis>>
try {
  redis = await startRedis({ name: 'devnet' })
} catch (e) {
  console.error(`[devnet] ${(e as Error).message}`)
  await anvil.stop()
  process.exit(1)
}
console.log(
  `[devnet] Redis      ${redis.url} (${redis.owned ? `private redis-server, pid ${redis.pid}` : 'from LANES_REDIS_URL'}, key prefix ${redis.prefix})`,
)
console.log('[devnet] running; press Ctrl-C to stop')

let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`[devnet] ${signal}: stopping`)
  await Promise.allSettled([anvil.stop(), redis.stop()])
  console.log('[devnet] stopped')
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
