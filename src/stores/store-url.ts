/**
 * Parsing store URLs (`sqlite:./data/sessions.db?synchronous=FULL`) into a scheme, a body and
 * validated query options. Errors never repeat the URL: a database URL may carry a password.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import { parseDuration } from '../core/time.js'

/** A store URL split into its parts; the query is read through {@link readParams}. */
export interface StoreUrl {
  /** Lower-cased, without the colon: `sqlite`. */
  readonly scheme: string
  /** Everything between `scheme:` and `?`, as written: `./data/sessions.db`, `//host:5432/db`. */
  readonly body: string
  /** The query parameters, each name at most once. */
  readonly params: ReadonlyMap<string, string>
}

const FIELD = 'store'
const SCHEME_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):/

function fail(message: string, cause?: unknown): never {
  throw new InvalidConfigError(FIELD, message, cause === undefined ? undefined : { cause })
}

/** Splits `url`; throws InvalidConfigError when it has no scheme, a fragment or a repeated parameter. */
export function parseStoreUrl(url: unknown): StoreUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    fail('must be a store URL such as "sqlite:./data/sessions.db"')
  }
  const match = SCHEME_PATTERN.exec(url.trim())
  const scheme = match?.[1]
  if (match === null || scheme === undefined) {
    fail('must start with a scheme such as "sqlite:" or "memory:"')
  }
  const rest = url.trim().slice(match[0].length)
  if (rest.includes('#')) fail('a store URL has no #fragment; write # in a path as %23')
  const queryAt = rest.indexOf('?')
  const body = queryAt === -1 ? rest : rest.slice(0, queryAt)
  const params = new Map<string, string>()
  if (queryAt !== -1) {
    for (const [name, value] of new URLSearchParams(rest.slice(queryAt + 1))) {
      if (params.has(name)) fail(`the query parameter "${name}" is given more than once`)
      params.set(name, value)
    }
  }
  return { scheme: scheme.toLowerCase(), body, params }
}

/**
 * A local path from the body of a `file:` or `sqlite:` URL: `./dir` and `/abs/dir` as
 * written, `///abs/dir` (and `//localhost/abs/dir`) as in RFC 8089, percent-escapes decoded.
 */
export function localPath(url: StoreUrl): string {
  let path = url.body
  if (path.startsWith('//')) {
    const slash = path.indexOf('/', 2)
    const host = slash === -1 ? path.slice(2) : path.slice(2, slash)
    if (host !== '' && host.toLowerCase() !== 'localhost') {
      fail(`a ${url.scheme}: URL names a local path; remote hosts are not supported`)
    }
    path = slash === -1 ? '' : path.slice(slash)
  }
  try {
    path = decodeURIComponent(path)
  } catch (error) {
    fail(`the path of a ${url.scheme}: URL has a malformed %-escape`, error)
  }
  if (path.trim() === '' || path.includes('\0')) {
    fail(`a ${url.scheme}: URL needs a path, e.g. "${url.scheme}:./data/sessions"`)
  }
  return path
}

/** How one query parameter is read. */
export type ParamKind = 'string' | 'integer' | 'duration' | 'mode' | readonly string[]

/** The value a {@link ParamKind} reads to. */
export type ParamValue<K extends ParamKind> = K extends 'integer' | 'duration' | 'mode'
  ? number
  : K extends readonly (infer V)[]
    ? V
    : string

/** The options read from a query, by the kinds declared for them. */
export type Params<S extends Record<string, ParamKind>> = { [N in keyof S]?: ParamValue<S[N]> }

function readParam(scheme: string, name: string, value: string, kind: ParamKind): string | number {
  const bad = (expected: string): never =>
    fail(`the query parameter "${name}" of a ${scheme}: URL must be ${expected}`)
  if (kind === 'string') return value
  if (kind === 'integer') {
    if (!/^\d+$/.test(value)) bad('a non-negative integer')
    return Number(value)
  }
  if (kind === 'duration') {
    const ms = /^\d+$/.test(value) ? Number(value) : value
    try {
      return parseDuration(ms, name)
    } catch {
      return bad('milliseconds or a duration such as "5s"')
    }
  }
  if (kind === 'mode') {
    const octal = /^(?:0o?)?([0-7]{1,4})$/i.exec(value)?.[1]
    return octal === undefined
      ? bad('octal permission bits such as 0600')
      : Number.parseInt(octal, 8)
  }
  const upper = value.toUpperCase()
  const choice = kind.find((option) => option.toUpperCase() === upper)
  return choice ?? bad(`one of ${kind.join(', ')}`)
}

/**
 * Reads the query parameters `schema` declares and rejects any other, so a misspelled option
 * fails at start-up instead of being ignored.
 */
export function readParams<S extends Record<string, ParamKind>>(
  url: StoreUrl,
  schema: S,
): Params<S> {
  const result: Record<string, string | number> = {}
  for (const [name, value] of url.params) {
    const kind = Object.hasOwn(schema, name) ? schema[name] : undefined
    if (kind === undefined) {
      const known = Object.keys(schema)
      fail(
        `a ${url.scheme}: URL has no query parameter "${name}"; ${known.length > 0 ? `it accepts ${known.join(', ')}` : 'it accepts none'}`,
      )
    }
    result[name] = readParam(url.scheme, name, value, kind)
  }
  return result as Params<S>
}
