/**
 * The PostgreSQL store's schema and its migrations, as SQL that ships in the package. The store
 * applies the missing steps itself (see postgres-migrate.ts), or {@link postgresSchemaSql}
 * hands the same SQL to your own migration tool.
 * @module
 */

import { createHash } from 'node:crypto'
import { InvalidConfigError } from '../core/errors.js'
import { validateSchemaName, validateTablePrefix } from './postgres-options.js'

/** Where the tables live: a schema and a table prefix. */
export interface PostgresSchemaOptions {
  /** @default 'public' */
  schema?: string
  /** @default 'sessionkit_' */
  tablePrefix?: string
}

/** The qualified, quoted table names for one schema and prefix. */
export interface PostgresTables {
  schema: string
  prefix: string
  sessions: string
  tokens: string
  meta: string
}

/** The table names, already quoted for SQL. Both parts are validated before use. */
export function postgresTables(schema: string, prefix: string): PostgresTables {
  const qualified = (name: string): string => `"${schema}"."${prefix}${name}"`
  return {
    schema,
    prefix,
    sessions: qualified('sessions'),
    tokens: qualified('tokens'),
    meta: qualified('meta'),
  }
}

/** The row of `<prefix>meta` that holds the schema version. */
export const SCHEMA_VERSION_KEY = 'schema_version'

/**
 * The meta table, created before any migration runs so the version can be read. A table of
 * our own rather than a comment or a setting, because several prefixes may share a schema.
 */
export function metaTableSql(tables: PostgresTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.meta} (
  key text PRIMARY KEY,
  value text NOT NULL
)`
}

/**
 * Migration `i` (0-based) takes the schema from version `i` to `i + 1`. Append only: never
 * edit a step that has shipped, because databases that already ran it will not run it again.
 *
 * Keys are `COLLATE "C"`: they are ASCII hashes, compared byte by byte (case-sensitive, and
 * the cheapest comparison for the primary key and for `entries()` paging). Times are bigint
 * epoch milliseconds, compared with the `now` the caller passes, never the server's clock.
 */
export function postgresMigrations(tables: PostgresTables): readonly (readonly string[])[] {
  const { prefix, sessions, tokens } = tables
  return [
    [
      `CREATE TABLE ${sessions} (
  key text COLLATE "C" PRIMARY KEY,
  data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
  user_id text,
  tenant_id text,
  ip text,
  user_agent text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL
)`,
      `CREATE INDEX "${prefix}sessions_user_id" ON ${sessions} (user_id) WHERE user_id IS NOT NULL`,
      `CREATE INDEX "${prefix}sessions_expires_at" ON ${sessions} (expires_at)`,
      `CREATE TABLE ${tokens} (
  key text COLLATE "C" PRIMARY KEY,
  value jsonb NOT NULL,
  expires_at bigint NOT NULL
)`,
      `CREATE INDEX "${prefix}tokens_expires_at" ON ${tokens} (expires_at)`,
    ],
  ]
}

/** The schema version this code writes and expects: the number of migrations. */
export const POSTGRES_SCHEMA_VERSION = postgresMigrations(postgresTables('s', 'p')).length

/** Records `version` in the meta table; `$1` is the version key, `$2` the version. */
export function upsertVersionSql(tables: PostgresTables): string {
  return `INSERT INTO ${tables.meta} (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`
}

/**
 * The key of the advisory lock that serializes migrations of one schema and prefix, so app
 * instances starting together migrate once, and stores on other prefixes do not wait. Derived
 * in JavaScript (SHA-256) rather than with PostgreSQL's hashtext, whose output is not
 * promised to stay the same across server versions.
 */
export function migrationLockKey(tables: PostgresTables): string {
  const digest = createHash('sha256')
    .update(`sessionkit:migrate:${tables.schema}.${tables.prefix}`)
    .digest()
  return digest.readBigInt64BE(0).toString()
}

/** Options of {@link postgresSchemaSql}. */
export interface PostgresSchemaSqlOptions extends PostgresSchemaOptions {
  /**
   * The version the database is at: the SQL then holds only the migrations after it, for
   * upgrading with your own tool. `0` is a fresh database.
   * @default 0
   */
  fromVersion?: number
}

/**
 * The SQL that creates (or, with `fromVersion`, upgrades) the store's schema, for applying with
 * your own migration tool; use it with `migrate: false`. Statements end with `;`, one after
 * another, without BEGIN/COMMIT: run them in one transaction, as migration tools do.
 *
 * The schema itself is created only when it is not `public` (`CREATE SCHEMA IF NOT EXISTS`
 * needs the CREATE privilege on the database even when the schema exists).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * import { postgresSchemaSql } from 'sessionkit/stores/postgres'
 * writeFileSync('migrations/0042_sessionkit.sql', postgresSchemaSql({ schema: 'auth' }))
 * ```
 */
export function postgresSchemaSql(options: PostgresSchemaSqlOptions = {}): string {
  const schema = validateSchemaName(options.schema ?? 'public')
  const prefix = validateTablePrefix(options.tablePrefix ?? 'sessionkit_')
  const fromVersion = options.fromVersion ?? 0
  if (!Number.isInteger(fromVersion) || fromVersion < 0 || fromVersion > POSTGRES_SCHEMA_VERSION) {
    throw new InvalidConfigError(
      'fromVersion',
      `must be an integer from 0 to ${POSTGRES_SCHEMA_VERSION}`,
    )
  }
  const tables = postgresTables(schema, prefix)
  const statements: string[] = []
  if (fromVersion === 0) {
    if (schema !== 'public') statements.push(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    statements.push(metaTableSql(tables))
  }
  const migrations = postgresMigrations(tables)
  const parts = [
    `-- sessionkit PostgreSQL schema, version ${fromVersion} to ${POSTGRES_SCHEMA_VERSION}`,
    ...statements.map((sql) => `${sql};`),
  ]
  for (let version = fromVersion; version < migrations.length; version++) {
    parts.push(`\n-- migration ${version + 1}`)
    for (const step of migrations[version] ?? []) parts.push(`${step};`)
  }
  parts.push(
    `\nINSERT INTO ${tables.meta} (key, value) VALUES ('${SCHEMA_VERSION_KEY}', '${POSTGRES_SCHEMA_VERSION}')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;`,
  )
  return `${parts.join('\n')}\n`
}
