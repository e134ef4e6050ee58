import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JournalWriter } from './journal.js'
import { Store } from './store.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return check()
}

describe('JournalWriter on its own thread', () => {
  it('takes over WAL checkpoints: block writes reach the database file without a checkpoint on the main connection', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lanes-journal-'))
    dirs.push(dir)
    const dbPath = path.join(dir, 'seq.db')
    const store = new Store(dbPath, 1n)
    const journal = new JournalWriter(store, { dbPath, checkpointMs: 50 })
    try {
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
      const before = statSync(dbPath).size
      // ~8 MB through the main connection, as block commits write it
      store.db.exec('CREATE TABLE filler (b BLOB)')
      const insert = store.db.prepare('INSERT INTO filler (b) VALUES (?)')
      store.db.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run(Buffer.alloc(4096, i % 251))
      })()
      // only the writer thread checkpoints now: the file grows once it has
      expect(await until(() => statSync(dbPath).size > before + 8_000_000, 10_000)).toBe(true)
    } finally {
      await journal.close()
      store.close()
    }
  })
})
