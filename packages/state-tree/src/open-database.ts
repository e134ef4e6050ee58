import Database from 'better-sqlite3'

export interface OpenDatabaseOptions {
  /** SQLite page cache in MiB (default 256). Tree rows are spread over the whole table, so
   * SQLite's 2 MiB default makes every batch re-read most pages (measured: 2× slower). */
  cacheMiB?: number
}

/**
 * Open (or create) a SQLite file for the state: WAL journal and synchronous=FULL, so a
 * committed transaction survives power loss (better-sqlite3's WAL default, NORMAL, does not).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  // statement journals (a multi-row INSERT's undo copy of each page it changes) in memory,
  // not in temp files written page by page
  db.pragma('temp_store = MEMORY')
  db.pragma(`cache_size = ${-Math.round((options.cacheMiB ?? 256) * 1024)}`)
  return db
}
