/**
 * The MySQL store's options: their type, defaults and validation. Options given in the object
 * win over the same options given in the URL's query.
 * @module
 */

import type { PoolOptions } from 'mysql2/promise'
import { InvalidConfigError } from '../core/errors.js'
import { type Duration, parseDuration } from '../core/time.js'
import type { MysqlPool } from './mysql-driver.js'
import { MYSQL_TABLE_PREFIX_PATTERN } from './mysql-schema.js'
import { type FlavourOverride, FORCE_FLAVOUR, type MysqlFlavour } from './mysql-server.js'
import { parseMysqlUrl } from './mysql-url.js'

/** Options of {@link MysqlStore}. Give exactly one of `url` and `pool`. */
export interface MysqlStoreOptions {
  /**
   * Where the server is: `mysql://user:password@host:3306/database` (`mariadb://` works the
   * same). The store opens its own mysql2 pool and ends it on `close()`. Query parameters
   * named like the options below set them; any other (`connectionLimit=20`,
   * `ssl={"rejectUnauthorized":true}`, `socketPath=…`) goes to mysql2 unchanged.
   * @example 'mysql://app:secret@db.internal:3306/app?connectionLimit=20'
   */
  url?: string
  /**
   * Your own mysql2 promise pool (`createPool` from `mysql2/promise`), to share the
   * application's connections. The store borrows a connection per operation and gives it
   * back; `close()` does not end the pool: it is yours. Its connections must use a utf8mb4
   * character set (mysql2's default) and a default database.
   */
  pool?: MysqlPool
  /**
   * Prepended to every table name, so sessionkit can share a database. Letters, digits and
   * `_`, starting with a letter or `_`, at most 48 characters.
   * @default 'sessionkit_'
   */
  tablePrefix?: string
  /**
   * The longest an operation waits for a connection: a new one (the TCP connect and the
   * handshake, also given to mysql2 as its `connectTimeout` for a pool the store opens) or a
   * free one from a busy pool. Past it the operation fails with StoreUnavailableError.
   * @default '3s'
   */
  connectTimeout?: Duration
  /**
   * The longest one SQL statement may take, row-lock waits included. Past it the operation
   * fails with StoreUnavailableError and its connection is destroyed (never reused).
   * @default '5s'
   */
  queryTimeout?: Duration
  /**
   * Create and upgrade the tables on the first operation. Turn it off when your own migration
   * tool applies {@link mysqlSchemaSql}; the store then only checks the recorded version.
   * @default true
   */
  migrate?: boolean
}

/** Where the store gets its connections. */
export type PoolSource = { kind: 'url'; options: PoolOptions } | { kind: 'pool'; pool: MysqlPool }

/** The options after defaults and validation. */
export interface ResolvedMysqlOptions {
  source: PoolSource
  tablePrefix: string
  connectMs: number
  queryMs: number
  migrate: boolean
  forcedFlavour: MysqlFlavour | undefined
}

const DEFAULTS = {
  tablePrefix: 'sessionkit_',
  connectTimeout: '3s',
  queryTimeout: '5s',
  migrate: true,
} as const satisfies Required<
  Pick<MysqlStoreOptions, 'tablePrefix' | 'connectTimeout' | 'queryTimeout' | 'migrate'>
>

/** setTimeout's ceiling; a longer wait would fire at once. */
const MAX_TIMEOUT_MS = 0x7fffffff

function timeout(value: Duration, field: string): number {
  const ms = parseDuration(value, field)
  if (ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidConfigError(field, `must be between 1 ms and ${MAX_TIMEOUT_MS} ms`)
  }
  return ms
}

function isPool(value: unknown): value is MysqlPool {
  if (typeof value !== 'object' || value === null) return false
  const pool = value as Record<string, unknown>
  return typeof pool.getConnection === 'function' && typeof pool.end === 'function'
}

/** Validates `options` and applies the defaults; throws InvalidConfigError naming the field. */
export function resolveMysqlOptions(options: MysqlStoreOptions): ResolvedMysqlOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'must be an object with `url` or `pool`')
  }
  const { url, pool } = options
  if ((url === undefined) === (pool === undefined)) {
    throw new InvalidConfigError('url', 'give exactly one of `url` and `pool`')
  }
  let source: PoolSource
  let fromUrl: ReturnType<typeof parseMysqlUrl>['options'] = {}
  if (url !== undefined) {
    const parsed = parseMysqlUrl(url)
    source = { kind: 'url', options: parsed.connection }
    fromUrl = parsed.options
  } else {
    if (!isPool(pool)) {
      throw new InvalidConfigError(
        'pool',
        "must be a mysql2 promise pool: createPool() from 'mysql2/promise'",
      )
    }
    source = { kind: 'pool', pool }
  }
  const tablePrefix = options.tablePrefix ?? fromUrl.tablePrefix ?? DEFAULTS.tablePrefix
  if (typeof tablePrefix !== 'string' || !MYSQL_TABLE_PREFIX_PATTERN.test(tablePrefix)) {
    throw new InvalidConfigError(
      'tablePrefix',
      'must be 1 to 48 letters, digits or underscores, not starting with a digit',
    )
  }
  const migrate = options.migrate ?? fromUrl.migrate ?? DEFAULTS.migrate
  if (typeof migrate !== 'boolean') throw new InvalidConfigError('migrate', 'must be a boolean')
  return {
    source,
    tablePrefix,
    connectMs: timeout(
      options.connectTimeout ?? fromUrl.connectTimeout ?? DEFAULTS.connectTimeout,
      'connectTimeout',
    ),
    queryMs: timeout(
      options.queryTimeout ?? fromUrl.queryTimeout ?? DEFAULTS.queryTimeout,
      'queryTimeout',
    ),
    migrate,
    forcedFlavour: (options as FlavourOverride)[FORCE_FLAVOUR],
  }
}
