// Worker entry: Node 20 workers cannot load .ts directly, so register tsx first.
import { register } from 'tsx/esm/api'

register()
await import('./hash-worker.ts')
