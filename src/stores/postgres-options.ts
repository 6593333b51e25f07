/**
 * The PostgreSQL store's options: their types, defaults and validation. Validation happens in
 * the constructor, so a misspelled schema or a zero timeout fails at start-up, not on the
 * first request.
 * @module
 */

import type { Pool } from 'pg'
import { InvalidConfigError } from '../core/errors.js'
import { type Duration, parseDuration } from '../core/time.js'

/** Options of {@link PostgresStore}. Give exactly one of `url` and `pool`. */
export interface PostgresStoreOptions {
  /**
   * A connection URL: `postgres://user:password@host:5432/database?sslmode=require`. The store
   * builds its own pool from it (and ends that pool on `close()`). The URL is never repeated in
   * an error or a log, since it may carry a password.
   * @default undefined (give this or `pool`)
   */
  url?: string
  /**
   * Your own `pg.Pool`, to share the application's connections and pool settings. `close()`
   * does not end it. Give it a `connectionTimeoutMillis`: the store stops waiting for a
   * connection after `connectTimeout` either way, but a pool without one keeps the attempt
   * queued.
   * @default undefined (give this or `url`)
   */
  pool?: Pool
  /**
   * The PostgreSQL schema the tables live in; created when missing (with `migrate`). Letters,
   * digits and `_`, starting with a letter or `_`, at most 63 characters, not `pg_…`. Quoted,
   * so it is case-sensitive.
   * @default 'public'
   */
  schema?: string
  /**
   * Prepended to every table and index name, so sessionkit can share a schema. Letters,
   * digits and `_`, starting with a letter or `_`, at most 44 characters (PostgreSQL names
   * stop at 63).
   * @default 'sessionkit_'
   */
  tablePrefix?: string
  /**
   * How long an operation waits for a connection (a new one, or a free one from the pool)
   * before failing with StoreUnavailableError.
   * @default '3s'
   */
  connectTimeout?: Duration
  /**
   * How long one statement may run before it fails with StoreUnavailableError: sent to the
   * server as `statement_timeout` (own pool), and enforced on the client too, so a server
   * that stops answering cannot hang a request.
   * @default '5s'
   */
  queryTimeout?: Duration
  /**
   * Create the schema and tables on first use and apply the migrations a newer sessionkit
   * brings. `false` when you apply {@link postgresSchemaSql} with your own migration tool: the
   * store then only checks, on first use, that the schema version is the one it expects.
   * @default true
   */
  migrate?: boolean
  /**
   * Prepare each statement once per connection (a named statement), so the server parses and
   * plans it once instead of on every call: about twice the throughput of unnamed statements
   * in bench/ on get, patch and touch. Turn it off behind PgBouncer in transaction pooling mode
   * older than 1.21 (or with `max_prepared_statements = 0`), which cannot keep a connection's
   * prepared statements.
   * @default true
   */
  preparedStatements?: boolean
}

/** The options after validation, with every default applied. */
export interface ResolvedPostgresOptions {
  url: string | undefined
  pool: Pool | undefined
  schema: string
  tablePrefix: string
  connectTimeoutMs: number
  queryTimeoutMs: number
  migrate: boolean
  preparedStatements: boolean
}

/** Every default of {@link PostgresStoreOptions}. */
export const POSTGRES_DEFAULTS = {
  schema: 'public',
  tablePrefix: 'sessionkit_',
  connectTimeout: '3s',
  queryTimeout: '5s',
  migrate: true,
  preparedStatements: true,
} as const satisfies Required<
  Pick<
    PostgresStoreOptions,
    'schema' | 'tablePrefix' | 'connectTimeout' | 'queryTimeout' | 'migrate' | 'preparedStatements'
  >
>

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
/** 44 + the longest suffix (`sessions_expires_at`, 19) is PostgreSQL's 63-byte name limit. */
const TABLE_PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,43}$/
const URL_PATTERN = /^postgres(?:ql)?:\/\//i
/** setTimeout's ceiling; a longer timeout would fire at once. */
const MAX_TIMER_MS = 0x7fffffff

/** Both names are checked before they are ever put in SQL, then double-quoted there. */
export function validateSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new InvalidConfigError(
      'schema',
      'must be 1 to 63 letters, digits or underscores, not starting with a digit',
    )
  }
  // PostgreSQL reserves pg_* for system schemas; CREATE SCHEMA would refuse it later anyway.
  if (/^pg_/i.test(schema)) throw new InvalidConfigError('schema', 'must not start with "pg_"')
  return schema
}

/** See {@link validateSchemaName}. */
export function validateTablePrefix(tablePrefix: unknown): string {
  if (typeof tablePrefix !== 'string' || !TABLE_PREFIX_PATTERN.test(tablePrefix)) {
    throw new InvalidConfigError(
      'tablePrefix',
      'must be 1 to 44 letters, digits or underscores, not starting with a digit',
    )
  }
  return tablePrefix
}

function timeout(value: Duration, field: string): number {
  const ms = parseDuration(value, field)
  // 0 means "no timeout" to pg and to PostgreSQL: exactly the hang these options exist to prevent.
  if (ms < 1 || ms > MAX_TIMER_MS) {
    throw new InvalidConfigError(field, `must be between 1 ms and ${MAX_TIMER_MS} ms`)
  }
  return ms
}

function isPool(value: unknown): value is Pool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { connect?: unknown }).connect === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  )
}

/** Validates `options` and applies the defaults; throws InvalidConfigError naming the field. */
export function resolvePostgresOptions(options: PostgresStoreOptions): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'must be an object with `url` or `pool`')
  }
  const {
    url,
    pool,
    migrate = POSTGRES_DEFAULTS.migrate,
    preparedStatements = POSTGRES_DEFAULTS.preparedStatements,
  } = options
  if ((url === undefined) === (pool === undefined)) {
    throw new InvalidConfigError('url', 'give exactly one of `url` and `pool`')
  }
  if (url !== undefined && (typeof url !== 'string' || !URL_PATTERN.test(url.trim()))) {
    // Never echo the value: it may hold a password.
    throw new InvalidConfigError('url', 'must be a postgres:// or postgresql:// URL')
  }
  if (pool !== undefined && !isPool(pool)) {
    throw new InvalidConfigError('pool', 'must be a pg.Pool')
  }
  if (typeof migrate !== 'boolean') throw new InvalidConfigError('migrate', 'must be a boolean')
  if (typeof preparedStatements !== 'boolean') {
    throw new InvalidConfigError('preparedStatements', 'must be a boolean')
  }
  return {
    url: url?.trim(),
    pool,
    schema: validateSchemaName(options.schema ?? POSTGRES_DEFAULTS.schema),
    tablePrefix: validateTablePrefix(options.tablePrefix ?? POSTGRES_DEFAULTS.tablePrefix),
    connectTimeoutMs: timeout(
      options.connectTimeout ?? POSTGRES_DEFAULTS.connectTimeout,
      'connectTimeout',
    ),
    queryTimeoutMs: timeout(options.queryTimeout ?? POSTGRES_DEFAULTS.queryTimeout, 'queryTimeout'),
    migrate,
    preparedStatements,
  }
}
