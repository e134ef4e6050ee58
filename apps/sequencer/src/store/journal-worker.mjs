// The journal's writer thread: its own SQLite connection to the sequencer database, so the
// fsync of each group commit blocks this thread and not the JSON-RPC event loop. It also runs
// the WAL checkpoints (the main connection has auto-checkpoint off): copying the WAL into the
// database file and its fsync would otherwise run inside a block commit on the main thread.
// Plain JS on purpose: Node 20 workers cannot load .ts, and this needs nothing of ours.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const db = new Database(workerData.path, { timeout: 60_000 })
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('temp_store = MEMORY') // statement journals in memory, as the main connection
const insert = db.prepare('INSERT OR IGNORE INTO journal (hash, seq, tx) VALUES (?, ?, ?)')
const remove = db.prepare('DELETE FROM journal WHERE hash = ?')

/** ins: (hash 32 ‖ length u32 BE ‖ bytes)*, del: hash 32 * n */
const write = db.transaction((ins, firstSeq, del) => {
  const b = Buffer.from(ins)
  let seq = firstSeq
  for (let off = 0; off < b.length; ) {
    const len = b.readUInt32BE(off + 32)
    insert.run(b.subarray(off, off + 32), seq++, b.subarray(off + 36, off + 36 + len))
    off += 36 + len
  }
  const d = Buffer.from(del)
  for (let off = 0; off < d.length; off += 32) remove.run(d.subarray(off, off + 32))
})

const checkpoint = setInterval(() => {
  try {
    // PASSIVE: copies what no reader still needs, never waits for or blocks the block writer
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // busy or a disk error: the next tick tries again, and a block commit reports the disk
  }
}, workerData.checkpointMs ?? 500)
checkpoint.unref()

parentPort.on('message', (m) => {
  try {
    write.immediate(m.ins, m.firstSeq, m.del)
    parentPort.postMessage({ id: m.id })
  } catch (error) {
    parentPort.postMessage({
      id: m.id,
      error: error instanceof Error ? error.message : String(error),
    })
  }
})
