import { serialize } from 'cookie'
import { InvalidConfigError } from './errors.js'
import { SetCookieTemplate } from './set-cookie-template.js'

/** Cookie attributes of the session cookie. */
export interface CookieOptions {
  /**
   * The cookie name. With `secure` on, path `/` and no domain, it is sent as `__Host-<name>`,
   * which browsers only accept from a secure origin for the exact host (no subdomain can plant it).
   * @default 'sid'
   */
  name?: string
  /** @default '/' */
  path?: string
  /** Share the cookie with subdomains. Leave unset unless you need it: it disables `__Host-`. */
  domain?: string
  /** Keeps the cookie away from scripts. Turning it off is refused unless you insist with `false`. @default true */
  httpOnly?: boolean
  /**
   * Send the cookie over HTTPS only. Browsers treat http://localhost as secure, so this works in
   * local development too; set `false` for plain-HTTP hosts other than localhost, and for
   * non-browser clients that never send a Secure cookie over http (Python's http.cookiejar).
   * @default true
   */
  secure?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** CHIPS partitioned cookie (only with `sameSite: 'none'`). @default false */
  partitioned?: boolean
  /**
   * Give the cookie an `Expires` equal to the session's expiry, so the browser forgets it when
   * the store does. `false` makes it a browser-session cookie (gone when the browser closes).
   * @default true
   */
  persistent?: boolean
  /** Use the `__Host-` prefix when the attributes allow it. @default true */
  hostPrefix?: boolean
}

/** Cookie options after defaults and validation. */
export interface ResolvedCookieOptions {
  /** The name as sent, prefix included. */
  name: string
  path: string
  domain: string | undefined
  httpOnly: boolean
  secure: boolean
  sameSite: 'lax' | 'strict' | 'none'
  partitioned: boolean
  persistent: boolean
}

export const COOKIE_DEFAULTS = {
  name: 'sid',
  path: '/',
  domain: undefined,
  httpOnly: true,
  secure: true,
  sameSite: 'lax',
  partitioned: false,
  persistent: true,
  hostPrefix: true,
} as const satisfies Required<Omit<CookieOptions, 'domain'>> & { domain: undefined }

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** RFC 6265 domain-value and path-value, as the serializer checks them at every Set-Cookie. */
const COOKIE_DOMAIN =
  /^[.]?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?([.][a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
const COOKIE_PATH = /^[\u0020-\u003A\u003D-\u007E]*$/
/** Browsers drop cookie values past ~4 KB; anything longer is not ours. */
export const MAX_COOKIE_VALUE_LENGTH = 4096

export function resolveCookieOptions(options: CookieOptions | undefined): ResolvedCookieOptions {
  const given = options ?? {}
  if (typeof given !== 'object') throw new InvalidConfigError('cookie', 'must be an object')
  const merged = { ...COOKIE_DEFAULTS, ...stripUndefined(given) }
  if (typeof merged.name !== 'string' || !COOKIE_NAME.test(merged.name)) {
    throw new InvalidConfigError('cookie.name', 'must be a non-empty cookie token (RFC 6265)')
  }
  if (!['lax', 'strict', 'none'].includes(merged.sameSite)) {
    throw new InvalidConfigError('cookie.sameSite', "must be 'lax', 'strict' or 'none'")
  }
  if (merged.sameSite === 'none' && !merged.secure) {
    throw new InvalidConfigError(
      'cookie.sameSite',
      "'none' needs `secure: true`; browsers reject it otherwise",
    )
  }
  if (merged.partitioned && merged.sameSite !== 'none') {
    throw new InvalidConfigError('cookie.partitioned', "needs `sameSite: 'none'`")
  }
  if (typeof merged.path !== 'string' || !merged.path.startsWith('/')) {
    throw new InvalidConfigError('cookie.path', "must start with '/'")
  }
  // Refused here rather than by the serializer at the first commit of every request.
  if (!COOKIE_PATH.test(merged.path)) {
    throw new InvalidConfigError('cookie.path', 'must be printable ASCII without ";"')
  }
  if (
    merged.domain !== undefined &&
    (typeof merged.domain !== 'string' || !COOKIE_DOMAIN.test(merged.domain))
  ) {
    throw new InvalidConfigError('cookie.domain', 'must be a host name such as "example.com"')
  }
  const canUseHostPrefix = merged.secure && merged.path === '/' && merged.domain === undefined
  if (merged.name.startsWith('__Host-') && !canUseHostPrefix) {
    throw new InvalidConfigError('cookie.name', "'__Host-' needs secure, path '/' and no domain")
  }
  const prefixed =
    merged.hostPrefix && canUseHostPrefix && !merged.name.startsWith('__Host-')
      ? `__Host-${merged.name}`
      : merged.name
  return {
    name: prefixed,
    path: merged.path,
    domain: merged.domain,
    httpOnly: merged.httpOnly !== false,
    secure: merged.secure,
    sameSite: merged.sameSite,
    partitioned: merged.partitioned,
    persistent: merged.persistent,
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The value of cookie `name` in a Cookie header, or undefined. Never throws. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  const value = cookieValue(header, name)
  return value === undefined || value.length > MAX_COOKIE_VALUE_LENGTH ? undefined : value
}

/**
 * The value of cookie `name` as the `cookie` package's parse() would give it (first occurrence
 * wins, surrounding blanks trimmed, %-decoded when valid), found without building an object of
 * every cookie: this runs on every request.
 */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined
  const length = header.length
  let index = 0
  while (index < length) {
    const eq = header.indexOf('=', index)
    if (eq === -1) return undefined
    let end = header.indexOf(';', index)
    if (end === -1) end = length
    if (eq > end) {
      // The pair before this `;` had no `=`: resume at the pair that holds this one.
      index = header.lastIndexOf(';', eq - 1) + 1
      continue
    }
    let start = index
    let keyEnd = eq
    while (start < keyEnd && isBlank(header.charCodeAt(start))) start++
    while (keyEnd > start && isBlank(header.charCodeAt(keyEnd - 1))) keyEnd--
    if (keyEnd - start === name.length && header.startsWith(name, start)) {
      return decodeValue(trimmed(header, eq + 1, end))
    }
    index = end + 1
  }
  return undefined
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09
}

function trimmed(text: string, from: number, to: number): string {
  let start = from
  let end = to
  while (start < end && isBlank(text.charCodeAt(start))) start++
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--
  return text.slice(start, end)
}

/** express-session's signed value as its serializer sends it: `s:` encoded, the rest plain. */
const SIGNED_PREFIX = 's%3A'

function decodeValue(value: string): string {
  const percent = value.indexOf('%')
  if (percent === -1) return value
  // The one escape of express-session's signed cookie, on every request that carries one:
  // decodeURIComponent would give the same string, at several times the cost.
  if (percent === 1 && value.startsWith(SIGNED_PREFIX) && !value.includes('%', 4)) {
    return `s:${value.slice(4)}`
  }
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** A Set-Cookie value carrying `value` until `expiresAt` (or for the browser session). */
export function sessionCookie(
  options: ResolvedCookieOptions,
  value: string,
  expiresAt: number,
): string {
  let template = TEMPLATES.get(options)
  if (template === undefined) {
    template = new SetCookieTemplate(options.name, attributes(options), options.persistent)
    TEMPLATES.set(options, template)
  }
  return template.render(value, expiresAt)
}

/** One template per resolved options object: a manager's options never change. */
const TEMPLATES = new WeakMap<ResolvedCookieOptions, SetCookieTemplate>()

/** A Set-Cookie value that makes the browser drop the session cookie. */
export function clearingCookie(options: ResolvedCookieOptions): string {
  return serialize(options.name, '', { ...attributes(options), expires: new Date(0), maxAge: 0 })
}

function attributes(options: ResolvedCookieOptions) {
  return {
    path: options.path,
    httpOnly: options.httpOnly,
    secure: options.secure,
    sameSite: options.sameSite,
    ...(options.domain ? { domain: options.domain } : {}),
    ...(options.partitioned ? { partitioned: true } : {}),
  }
}
