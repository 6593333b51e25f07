/**
 * The floor's records in SQLite: better-sqlite3 (synchronous, as sessionkit's store and
 * better-sqlite3-session-store use it), with their settings (WAL, synchronous NORMAL); one
 * prepared SELECT by primary key to load, one prepared upsert to store, in a file of the run's
 * temp dir.
 * @module
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { FloorStore } from './sessions.js'

export function sqliteFloorStore(dir: string): FloorStore {
  const db = new Database(join(dir, 'floor.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID',
  )
  const select = db
    .prepare<[string, number], string>('SELECT data FROM sessions WHERE key = ? AND expires_at > ?')
    .pluck()
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO sessions (key, data, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
  )
  const count = db.prepare<[], number>('SELECT count(*) FROM sessions').pluck()
  return {
    get: (key) => select.get(key, Date.now()),
    set(key, value, ttlMs) {
      upsert.run(key, value, Date.now() + ttlMs)
      return undefined
    },
    count: async () => count.get() ?? null,
    async close() {
      db.close()
    },
  }
}
