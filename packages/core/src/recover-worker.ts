import { parentPort } from 'node:worker_threads'
import { recoverPacked, recoveryBackend } from './recover.js'
import { RECOVERY_OUT_BYTES } from './recover-addon.js'
import type { RecoverRequest, RecoverResponse } from './recovery-pool.js'

const port = parentPort
if (!port) throw new Error('recover-worker must run in a worker thread')
const backend = recoveryBackend()

port.on('message', (req: RecoverRequest) => {
  const out = new Uint8Array(req.n * RECOVERY_OUT_BYTES)
  recoverPacked(new Uint8Array(req.buf), out, req.n, backend)
  const res: RecoverResponse = { id: req.id, buf: out.buffer }
  port.postMessage(res, [out.buffer])
})
