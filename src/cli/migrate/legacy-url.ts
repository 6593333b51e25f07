/**
 * The URLs that name a legacy express-session store as a migration source:
 *
 *   connect-redis://[[user]:password@]host[:port][/db][?prefix=sess:&tls=true]
 *   connect-pg-simple://user[:password]@host[:port]/database[?table=session&schema=public&sslmode=require]
 *
 * Errors never repeat the URL: it may carry a password.
 * @module
 */

import { InvalidConfigError } from '../../core/errors.js'

/** A connect-redis layout: `<prefix><id>` holding the session JSON, with a TTL. */
export interface ConnectRedisSource {
  kind: 'connect-redis'
  host: string
  port: number
  db: number
  username: string | undefined
  password: string | undefined
  tls: boolean
  prefix: string
}

/** A connect-pg-simple table: `sid` (primary key), `sess` (json), `expire` (timestamp). */
export interface ConnectPgSimpleSource {
  kind: 'connect-pg-simple'
  /** A postgres:// URL for pg, password included: never print it. */
  connectionString: string
  table: string
  schema: string | null
}

export type LegacySource = ConnectRedisSource | ConnectPgSimpleSource

/** The schemes {@link parseLegacyUrl} understands. */
export const LEGACY_SCHEMES = ['connect-redis', 'connect-pg-simple'] as const

const FIELD = 'from'
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/

function fail(message: string): never {
  throw new InvalidConfigError(FIELD, message)
}

function params(url: URL, scheme: string, allowed: readonly string[]): Map<string, string> {
  const found = new Map<string, string>()
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name)) {
      fail(`a ${scheme}:// URL has no parameter "${name}"; it accepts ${allowed.join(', ')}`)
    }
    if (found.has(name)) fail(`the parameter "${name}" is given more than once`)
    found.set(name, value)
  }
  return found
}

function decode(part: string): string | undefined {
  if (part === '') return undefined
  try {
    return decodeURIComponent(part)
  } catch {
    return fail('the user or password has a malformed %-escape')
  }
}

function parseRedis(url: URL): ConnectRedisSource {
  const query = params(url, 'connect-redis', ['prefix', 'tls'])
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') fail('a connect-redis:// URL needs a host, e.g. connect-redis://127.0.0.1:6379')
  const dbText = url.pathname.replace(/^\//, '')
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) {
    fail('the path of a connect-redis:// URL is the database number, e.g. /0')
  }
  const tls = query.get('tls') ?? 'false'
  if (!['true', 'false'].includes(tls)) fail('the parameter "tls" must be true or false')
  return {
    kind: 'connect-redis',
    host,
    port: url.port === '' ? 6379 : Number(url.port),
    db: dbText === '' ? 0 : Number(dbText),
    username: decode(url.username),
    password: decode(url.password),
    tls: tls === 'true',
    // connect-redis's default prefix.
    prefix: query.get('prefix') ?? 'sess:',
  }
}

function parsePg(url: URL): ConnectPgSimpleSource {
  const query = params(url, 'connect-pg-simple', ['table', 'schema', 'sslmode'])
  if (url.hostname === '') {
    fail('a connect-pg-simple:// URL needs a host, e.g. connect-pg-simple://user@127.0.0.1/app')
  }
  const table = query.get('table') ?? 'session'
  const schema = query.get('schema') ?? null
  for (const [name, value] of [
    ['table', table],
    ['schema', schema],
  ] as const) {
    if (value !== null && !IDENTIFIER.test(value)) {
      fail(`the parameter "${name}" must be a plain SQL identifier (letters, digits, _)`)
    }
  }
  const target = new URL('postgres://localhost')
  target.username = url.username
  target.password = url.password
  target.host = url.host
  target.pathname = url.pathname
  const sslmode = query.get('sslmode')
  if (sslmode !== undefined) target.searchParams.set('sslmode', sslmode)
  return { kind: 'connect-pg-simple', connectionString: target.href, table, schema }
}

/** The legacy source `url` names, or null when its scheme is not a legacy one. */
export function parseLegacyUrl(url: string): LegacySource | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url.trim())?.[1]?.toLowerCase()
  if (scheme !== 'connect-redis' && scheme !== 'connect-pg-simple') return null
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return fail(`the ${scheme}:// URL is malformed`)
  }
  if (parsed.hash !== '') fail(`a ${scheme}:// URL has no #fragment`)
  return scheme === 'connect-redis' ? parseRedis(parsed) : parsePg(parsed)
}
