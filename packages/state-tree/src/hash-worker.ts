import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { createOpRunner } from './hash-program.js'
import {
  C_BUFGEN,
  C_DONE,
  C_GEN,
  C_NEXT,
  C_SEGCOUNT,
  C_STOP,
  type HashBuffers,
} from './worker-protocol.js'

const { ctrl: ctrlSab, port } = workerData as {
  ctrl: SharedArrayBuffer
  port: import('node:worker_threads').MessagePort
}
const ctrl = new Int32Array(ctrlSab)
const runner = createOpRunner()
const range = new Int32Array(2)
let bufGen = -1
let bufs: HashBuffers | undefined

function syncBuffers(): void {
  const want = Atomics.load(ctrl, C_BUFGEN)
  while (bufGen !== want) {
    const m = receiveMessageOnPort(port)
    if (m) {
      bufs = m.message as HashBuffers
      bufGen = bufs.gen
    } else Atomics.wait(ctrl, C_STOP, 0, 1) // the message is on its way
  }
}

parentPort?.postMessage('ready')
let gen = 0
for (;;) {
  Atomics.wait(ctrl, C_GEN, gen)
  gen = Atomics.load(ctrl, C_GEN)
  if (Atomics.load(ctrl, C_STOP)) break
  syncBuffers()
  const b = bufs as HashBuffers
  const nodes = new Uint8Array(b.nodes)
  const leaves = new Uint8Array(b.leaves)
  const prog = new Int32Array(b.prog)
  const segs = new Int32Array(b.segs)
  const count = Atomics.load(ctrl, C_SEGCOUNT)
  for (;;) {
    const s = Atomics.add(ctrl, C_NEXT, 1)
    if (s >= count) break
    range[0] = segs[2 * s]!
    range[1] = segs[2 * s + 1]!
    runner.run(nodes, leaves, prog, range, 1)
  }
  Atomics.add(ctrl, C_DONE, 1)
  Atomics.notify(ctrl, C_DONE)
}
port.close()
