import Database from 'better-sqlite3'

/**
 * Open (or create) a SQLite file for the state: WAL journal and synchronous=FULL, so a
 * committed transaction survives power loss (better-sqlite3's WAL default, NORMAL, does not).
 */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  return db
}
