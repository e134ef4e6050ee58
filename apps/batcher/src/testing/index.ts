export * from './batcher-env.js'
export * from './fake-sequencer.js'
export * from './l1-env.js'
export * from './sequencer-server.js'
