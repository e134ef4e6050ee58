// Preloaded with --import into the compress child that BullMQ forks. A batcher killed with
// SIGKILL cannot stop its children, and nothing signals a forked child when its parent dies;
// the orphan then spins on writes to its closed pipes and never reaches a timer of its own.
// So a watchdog thread (its own event loop) kills the process once it has been re-parented.
import { Worker } from 'node:worker_threads'

const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads')
  setInterval(() => {
    if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL')
  }, 500)`,
  { eval: true, execArgv: [], workerData: { parent: process.ppid } },
)
watchdog.unref()
