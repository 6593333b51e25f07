/**
 * Reading `mysql://user:password@host:3306/database?…` (or `mariadb://…`) into mysql2 pool
 * options and sessionkit's own store options. Query parameters named like a store option
 * (tablePrefix, connectTimeout, queryTimeout, migrate) are the store's; every other one goes
 * to mysql2 as it would from mysql2's own URL parser (JSON when it parses, text otherwise).
 * Errors never repeat the URL: it may carry a password.
 * @module
 */

import type { PoolOptions } from 'mysql2/promise'
import { InvalidConfigError } from '../core/errors.js'
import type { Duration } from '../core/time.js'
import { readParams, type StoreUrl } from './store-url.js'

/** The store options a URL may carry in its query. */
export interface MysqlUrlOptions {
  tablePrefix?: string
  connectTimeout?: Duration
  queryTimeout?: Duration
  migrate?: boolean
}

/** A URL split into what mysql2 gets and what the store keeps. */
export interface ParsedMysqlUrl {
  connection: PoolOptions
  options: MysqlUrlOptions
}

const FIELD = 'url'
const SCHEMES = new Set(['mysql:', 'mariadb:'])
const STORE_PARAMS = {
  tablePrefix: 'string',
  connectTimeout: 'duration',
  queryTimeout: 'duration',
  migrate: ['true', 'false'],
} as const
/** Connection fields that belong in the URL's authority and path, not in its query. */
const AUTHORITY_FIELDS = new Set(['host', 'port', 'user', 'password', 'database'])

function fail(message: string): never {
  throw new InvalidConfigError(FIELD, message)
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return fail(`the ${what} in the URL has a malformed %-escape`)
  }
}

/** A query value as mysql2's own URL parser reads it: JSON when it parses, text otherwise. */
function driverValue(value: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

/** Splits a `mysql://` or `mariadb://` URL; throws InvalidConfigError (field `url`). */
export function parseMysqlUrl(url: unknown): ParsedMysqlUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    fail('must be a URL such as "mysql://user:password@127.0.0.1:3306/app"')
  }
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return fail('is not a valid URL; write it as "mysql://user:password@host:3306/database"')
  }
  if (!SCHEMES.has(parsed.protocol)) fail('must start with mysql:// or mariadb://')
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
  if (host === '') fail('needs a host, e.g. "mysql://user@127.0.0.1:3306/app"')
  const database = decode(parsed.pathname.replace(/^\//, ''), 'database name')
  if (database === '' || database.includes('/')) {
    fail('must name one database in its path, e.g. "mysql://user@127.0.0.1:3306/app"')
  }

  const ours = new Map<string, string>()
  const driver: Record<string, unknown> = {}
  const seen = new Set<string>()
  for (const [name, value] of parsed.searchParams) {
    if (seen.has(name)) fail(`the query parameter "${name}" is given more than once`)
    seen.add(name)
    if (Object.hasOwn(STORE_PARAMS, name)) ours.set(name, value)
    else if (AUTHORITY_FIELDS.has(name))
      fail(`give "${name}" in the URL itself, not as a parameter`)
    else driver[name] = driverValue(value)
  }
  const read = readParams(
    { scheme: parsed.protocol.slice(0, -1), body: '', params: ours },
    STORE_PARAMS,
  )
  const options: MysqlUrlOptions = {}
  if (read.tablePrefix !== undefined) options.tablePrefix = read.tablePrefix
  if (read.connectTimeout !== undefined) options.connectTimeout = read.connectTimeout
  if (read.queryTimeout !== undefined) options.queryTimeout = read.queryTimeout
  if (read.migrate !== undefined) options.migrate = read.migrate === 'true'

  const connection: PoolOptions = {
    ...driver,
    host: decode(host, 'host'),
    user: decode(parsed.username, 'user name'),
    password: decode(parsed.password, 'password'),
    database,
  }
  if (parsed.port !== '') connection.port = Number(parsed.port)
  return { connection, options }
}

/** The URL openStore parsed, as one string again (its query re-encoded). */
export function mysqlUrlOf(url: StoreUrl): string {
  const query = new URLSearchParams([...url.params]).toString()
  return `${url.scheme}:${url.body}${query === '' ? '' : `?${query}`}`
}
