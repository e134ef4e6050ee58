// Node 20 workers cannot load .ts: register tsx, then load the real worker.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
