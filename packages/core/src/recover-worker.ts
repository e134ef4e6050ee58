import { parentPort } from 'node:worker_threads'
import { recoverAddressInto, recoveryBackend } from './recover.js'
import {
  RECOVERY_ITEM_BYTES,
  RECOVERY_OUT_BYTES,
  type RecoverRequest,
  type RecoverResponse,
} from './recovery-pool.js'

const port = parentPort
if (!port) throw new Error('recover-worker must run in a worker thread')
const backend = recoveryBackend()

port.on('message', (req: RecoverRequest) => {
  const input = new Uint8Array(req.buf)
  const out = new Uint8Array(req.n * RECOVERY_OUT_BYTES)
  for (let i = 0; i < req.n; i++) {
    const at = i * RECOVERY_ITEM_BYTES
    const ok = recoverAddressInto(
      input.subarray(at, at + 32),
      input.subarray(at + 32, at + 96),
      input[at + 96]!,
      out,
      i * RECOVERY_OUT_BYTES + 1,
      backend,
    )
    out[i * RECOVERY_OUT_BYTES] = ok ? 1 : 0
  }
  const res: RecoverResponse = { id: req.id, buf: out.buffer }
  port.postMessage(res, [out.buffer])
})
