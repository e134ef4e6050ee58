export * from './anvil.js'
export * from './processes.js'
export * from './redis.js'
