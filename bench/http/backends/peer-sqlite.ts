/**
 * better-sqlite3-session-store on a better-sqlite3 database in the run's temp dir, with the
 * settings sessionkit's SQLite store uses (WAL, synchronous NORMAL), so both pay the same
 * durability.
 * @module
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import sqliteStoreFactory from 'better-sqlite3-session-store'
import session from 'express-session'
import { callbackBackend } from './callback.js'
import type { CallbackBackend, RunSettings } from './types.js'

export function sqlitePeer(settings: RunSettings): CallbackBackend {
  const db = new Database(join(settings.dir, 'peer.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const SqliteStore = sqliteStoreFactory(session)
  const store = new SqliteStore({ client: db, expired: { clear: true, intervalMs: 900_000 } })
  return callbackBackend(store, async () => {
    db.close()
  })
}
