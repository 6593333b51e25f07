/**
 * The SQLite store's schema and its migrations. Each migration is an ordered list of SQL
 * steps; the store applies the missing ones in one `BEGIN IMMEDIATE` transaction and records
 * the version in `<prefix>meta`, so two processes opening a fresh database at once migrate it
 * exactly once.
 * @module
 */

/** The table names for one prefix. */
export interface SqliteTables {
  sessions: string
  tokens: string
  meta: string
}

/** The table names for `prefix`, already quoted for SQL. The prefix is validated before use. */
export function sqliteTables(prefix: string): SqliteTables {
  return {
    sessions: `"${prefix}sessions"`,
    tokens: `"${prefix}tokens"`,
    meta: `"${prefix}meta"`,
  }
}

/** The row of `<prefix>meta` that holds the schema version. */
export const SCHEMA_VERSION_KEY = 'schema_version'

/**
 * The meta table, created before any migration runs so the version can be read. A table
 * rather than `PRAGMA user_version`, because a database shared with the application (or with
 * a second prefix) has only one user_version.
 */
export function metaTableSql(prefix: string): string {
  const { meta } = sqliteTables(prefix)
  return `CREATE TABLE IF NOT EXISTS ${meta} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID`
}

/**
 * Migration `i` (0-based) takes the schema from version `i` to `i + 1`. Append only: never
 * edit a step that has shipped, because databases that already ran it will not run it again.
 */
export function sqliteMigrations(prefix: string): readonly (readonly string[])[] {
  const { sessions, tokens } = sqliteTables(prefix)
  return [
    [
      `CREATE TABLE ${sessions} (
  key TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  user_id TEXT,
  tenant_id TEXT,
  ip TEXT,
  user_agent TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID`,
      `CREATE INDEX "${prefix}sessions_user_id" ON ${sessions} (user_id) WHERE user_id IS NOT NULL`,
      `CREATE INDEX "${prefix}sessions_expires_at" ON ${sessions} (expires_at)`,
      `CREATE TABLE ${tokens} (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID`,
      `CREATE INDEX "${prefix}tokens_expires_at" ON ${tokens} (expires_at)`,
    ],
  ]
}

/** The schema version this code writes and expects: the number of migrations. */
export const SQLITE_SCHEMA_VERSION = sqliteMigrations('').length
