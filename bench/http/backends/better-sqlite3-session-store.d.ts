/**
 * better-sqlite3-session-store 0.1 ships no types: the factory takes express-session's export
 * and returns a Store class that needs a better-sqlite3 database.
 */
declare module 'better-sqlite3-session-store' {
  import type { Database } from 'better-sqlite3'
  import type { Store } from 'express-session'

  interface SqliteStoreOptions {
    client: Database
    expired?: { clear?: boolean; intervalMs?: number }
  }
  type SqliteStoreClass = new (options: SqliteStoreOptions) => Store
  export default function storeFactory(session: { Store: typeof Store }): SqliteStoreClass
}
