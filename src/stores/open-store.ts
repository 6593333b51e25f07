/**
 * `openStore(url)`: a store from one string, for configuration files, environment variables
 * (SESSIONKIT_STORE) and the CLI. Each scheme is one entry in {@link STORE_SCHEMES}.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { CookieStore } from './cookie.js'
import { FileStore } from './file.js'
import { MemoryStore } from './memory.js'
import { openMysqlUrl } from './mysql-open.js'
import { openPostgres } from './postgres-url.js'
import { openRedis, openRedisCluster } from './redis-url.js'
import { SqliteStore, type SqliteSynchronous } from './sqlite.js'
import { localPath, parseStoreUrl, readParams, type StoreUrl } from './store-url.js'

/** Builds a store from a parsed URL. Throws InvalidConfigError for anything it cannot use. */
export type StoreUrlFactory = (url: StoreUrl) => Store

const SYNCHRONOUS: readonly SqliteSynchronous[] = ['OFF', 'NORMAL', 'FULL', 'EXTRA']

function openMemory(url: StoreUrl): Store {
  if (url.body !== '') {
    throw new InvalidConfigError(
      'store',
      'a memory: URL takes no path, e.g. "memory:?maxEntries=1000"',
    )
  }
  return new MemoryStore(readParams(url, { maxEntries: 'integer', sweepInterval: 'duration' }))
}

function openFile(url: StoreUrl): Store {
  const options = readParams(url, {
    lockTimeout: 'duration',
    staleLockAfter: 'duration',
    fileMode: 'mode',
    dirMode: 'mode',
  })
  return new FileStore({ ...options, dir: localPath(url) })
}

function openSqlite(url: StoreUrl): Store {
  const options = readParams(url, {
    synchronous: SYNCHRONOUS,
    busyTimeout: 'duration',
    tablePrefix: 'string',
  })
  const path = url.body === ':memory:' ? ':memory:' : localPath(url)
  return new SqliteStore({ ...options, path })
}

function openCookie(url: StoreUrl): Store {
  if (url.body !== '') {
    throw new InvalidConfigError('store', 'a cookie: URL takes no path, e.g. "cookie:?maxChunks=3"')
  }
  const { revocations, ...options } = readParams(url, {
    maxChunks: 'integer',
    revocationCacheTtl: 'duration',
    revocations: 'string',
  })
  // `revocations` is itself a store URL (percent-encoded), e.g. cookie:?revocations=redis%3A%2F%2F…
  return new CookieStore({
    ...options,
    ...(revocations === undefined ? {} : { revocations: openStore(revocations) }),
  })
}

/**
 * Every scheme openStore understands, mapped to its factory. Adding a store is one line here
 * plus its factory; a factory must load its driver lazily (in the store's constructor), so
 * that importing sessionkit never needs an optional peer.
 */
export const STORE_SCHEMES: Readonly<Record<string, StoreUrlFactory>> = {
  memory: openMemory,
  file: openFile,
  sqlite: openSqlite,
  cookie: openCookie,
  postgres: openPostgres,
  postgresql: openPostgres,
  mysql: openMysqlUrl,
  mariadb: openMysqlUrl,
  redis: openRedis,
  rediss: openRedis,
  'redis-cluster': openRedisCluster,
}

/**
 * Opens the store a URL names. Synchronous: it builds the store and returns it; the store's
 * operations are async as always. Query parameters carry the store's options by their option
 * names, and an unknown one is an error.
 *
 * | URL | store |
 * | --- | --- |
 * | `memory:` `memory:?maxEntries=1000&sweepInterval=30s` | MemoryStore |
 * | `file:./data/sessions` `file:///var/lib/app/sessions?lockTimeout=2s` | FileStore |
 * | `sqlite:./data/sessions.db` `sqlite:///var/lib/app/sessions.db?synchronous=FULL` `sqlite::memory:` | SqliteStore |
 * | `postgres://user:pass@host:5432/db?schema=auth&sslmode=require` (or `postgresql://`) | PostgresStore |
 * | `mysql://user:pass@host:3306/db?tablePrefix=app_&queryTimeout=2s` (or `mariadb://`) | MysqlStore |
 * | `redis://:pass@host:6379/0?prefix=app:` `rediss://…` `redis-cluster://h1:6379,h2:6379` | RedisStore |
 *
 * Paths may use %-escapes (`%20` for a space, `%23` for `#`, `%3F` for `?`).
 *
 * @throws InvalidConfigError (field `store`) for an unknown scheme, a malformed URL or an
 * unknown or malformed query parameter; the store's own errors (MissingDependencyError,
 * StoreUnavailableError…) pass through.
 * @example
 * ```ts
 * const store = openStore(process.env.SESSIONKIT_STORE ?? 'sqlite:./data/sessions.db')
 * ```
 */
export function openStore(url: string): Store {
  const parsed = parseStoreUrl(url)
  const factory = Object.hasOwn(STORE_SCHEMES, parsed.scheme)
    ? STORE_SCHEMES[parsed.scheme]
    : undefined
  if (factory === undefined) {
    const supported = Object.keys(STORE_SCHEMES)
      .map((scheme) => `${scheme}:`)
      .join(', ')
    throw new InvalidConfigError(
      'store',
      `the scheme "${parsed.scheme}:" is not supported; use one of ${supported}`,
    )
  }
  return factory(parsed)
}
