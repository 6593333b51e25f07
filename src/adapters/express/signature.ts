/**
 * The session cookie's value, in express-session's format and in sessionkit's.
 *
 * express-session writes `s:` + cookie-signature's `<id>.<base64 HMAC-SHA256(secret, id)>`
 * (padding stripped), URL-encoded by the cookie serializer. Reading that format with the same
 * secrets is what lets an app move from express-session without signing anybody out; writing it
 * keeps the way back open and keeps tools that read `connect.sid` (socket.io handshakes through
 * cookie-parser, admin scripts) working.
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import { serialize } from 'cookie'
import { cookieValue, MAX_COOKIE_VALUE_LENGTH } from '../../core/cookies.js'
import { type KeyRing, unsign as unsignSessionkit } from '../../core/crypto.js'
import { hmacSha256 } from '../../core/hmac.js'
import { SetCookieTemplate } from '../../core/set-cookie-template.js'
import { once } from './warn.js'

/** A signing secret as express-session takes it: a string or raw bytes (e.g. a Buffer). */
export type ExpressSecret = string | Uint8Array

/** `value.<base64 HMAC-SHA256(secret, value)>` without padding, exactly as cookie-signature signs. */
export function signValue(value: string, secret: ExpressSecret): string {
  return `${value}.${macOf(value, secret)}`
}

/** base64 of HMAC-SHA256(secret, value), padding stripped (cookie-signature's format). */
function macOf(value: string, secret: ExpressSecret): string {
  const mac = hmacSha256(secret, value, 'base64')
  let end = mac.length
  while (end > 0 && mac.charCodeAt(end - 1) === 0x3d) end--
  return mac.slice(0, end)
}

/**
 * The value inside a cookie-signature string, or null when no secret made the signature. Every
 * secret is tried in constant time, so timing does not tell which one matched.
 */
export function unsignValue(signed: string, secrets: readonly ExpressSecret[]): string | null {
  return verify(signed, secrets)?.value ?? null
}

/** {@link unsignValue}, and whether the first secret (the one that signs) made the signature. */
function verify(
  signed: string,
  secrets: readonly ExpressSecret[],
): { value: string; current: boolean } | null {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const value = signed.slice(0, dot)
  // Only the MAC can differ: the value part is the same text on both sides by construction.
  const given = Buffer.from(signed.slice(dot + 1), 'latin1')
  let matched = -1
  for (let index = 0; index < secrets.length; index++) {
    const expected = Buffer.from(macOf(value, secrets[index] as ExpressSecret), 'latin1')
    if (expected.length === given.length && timingSafeEqual(expected, given) && matched < 0) {
      matched = index
    }
  }
  return matched < 0 ? null : { value, current: matched === 0 }
}

/** What is needed to read the session ID from a request. */
export interface CookieReader {
  name: string
  secrets: readonly ExpressSecret[]
  /** Verifies sessionkit's own `<id>.<mac>` format; null when the secrets cannot build a key ring. */
  keys: KeyRing | null
}

/** The parts of a request the reader looks at; cookie-parser's fields are express-session's back-compat. */
export interface CookieSource {
  headers: { cookie?: string | undefined }
  signedCookies?: unknown
  cookies?: unknown
}

/** A signed cookie value (either format) to the session ID it carries, or null. */
export function idFromCookieValue(raw: string, reader: CookieReader): string | null {
  return verifiedCookieValue(raw, reader)?.value ?? null
}

/** {@link idFromCookieValue}, and whether the value is what this reader would sign today. */
function verifiedCookieValue(
  raw: string,
  reader: CookieReader,
): { value: string; current: boolean } | null {
  if (raw.startsWith('s:')) {
    const verified = verify(raw.slice(2), reader.secrets)
    return verified === null || verified.value === '' ? null : verified
  }
  const id = reader.keys === null ? null : unsignSessionkit(reader.keys, raw)
  return id === null || id === '' ? null : { value: id, current: false }
}

function field(bag: unknown, name: string): string | undefined {
  if (typeof bag !== 'object' || bag === null) return undefined
  const value: unknown = (bag as Record<string, unknown>)[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The session ID the request carries, or undefined. Like express-session, a cookie whose
 * signature does not verify is no session at all, and cookie-parser's `req.signedCookies` and
 * `req.cookies` are read as a fallback (deprecated there too).
 */
export function readSessionId(req: CookieSource, reader: CookieReader): string | undefined {
  return readSessionCookie(req, reader).id
}

/** What the request's session cookie says: the verified ID, and whether one was sent at all. */
export interface SessionCookie {
  id: string | undefined
  /** True when the request carries a cookie under the session cookie's name, valid or not. */
  carried: boolean
  /**
   * The cookie's value when it is exactly what the first secret signs for `id` (express-session's
   * format): a Set-Cookie for the same ID can send it again instead of signing anew.
   */
  signed: string | undefined
}

/** {@link readSessionId} and {@link carriesCookie} from one scan of the Cookie header. */
export function readSessionCookie(req: CookieSource, reader: CookieReader): SessionCookie {
  const raw = cookieValue(req.headers.cookie, reader.name)
  const carried = raw !== undefined
  const verified =
    raw === undefined || raw.length > MAX_COOKIE_VALUE_LENGTH
      ? null
      : verifiedCookieValue(raw, reader)
  if (verified !== null) {
    return { id: verified.value, carried, signed: verified.current ? raw : undefined }
  }
  return { id: fromCookieParser(req, reader), carried, signed: undefined }
}

function fromCookieParser(req: CookieSource, reader: CookieReader): string | undefined {
  const signed = field(req.signedCookies, reader.name)
  if (signed !== undefined) {
    once('cookie-parser', 'the session cookie should be available in req.headers.cookie')
    return signed
  }
  const parsed = field(req.cookies, reader.name)
  const fromParser =
    parsed?.startsWith('s:') === true ? unsignValue(parsed.slice(2), reader.secrets) : null
  if (fromParser === null || fromParser === '') return undefined
  once('cookie-parser', 'the session cookie should be available in req.headers.cookie')
  return fromParser
}

/** True when the request carries a cookie under the session cookie's name, valid or not. */
export function carriesCookie(req: CookieSource, name: string): boolean {
  return cookieValue(req.headers.cookie, name) !== undefined
}

/** The attributes a Set-Cookie carries, as express-session's Cookie#data gives them. */
export interface CookieAttributes {
  expires?: Date | null | undefined
  secure?: boolean | undefined
  httpOnly?: boolean | undefined
  domain?: string | undefined
  path?: string | undefined
  sameSite?: boolean | 'lax' | 'strict' | 'none' | undefined
  partitioned?: boolean | undefined
  priority?: 'low' | 'medium' | 'high' | undefined
}

function serializeOptions(attributes: CookieAttributes) {
  const { expires, ...rest } = attributes
  return expires instanceof Date ? { ...rest, expires } : rest
}

/**
 * The Set-Cookie value for `id`, signed with the first secret in express-session's format.
 * `signed` is that value when the request's cookie already carried it (see SessionCookie).
 */
export function sessionSetCookie(
  name: string,
  id: string,
  secret: ExpressSecret,
  attributes: CookieAttributes,
  signed?: string,
): string {
  const value = signed ?? `s:${signValue(id, secret)}`
  const { expires } = attributes
  const dated = expires instanceof Date
  const template = templateFor(name, attributes, dated)
  return template.render(value, dated ? expires.getTime() : undefined)
}

/** The template last used, with what it was made for: apps almost always send one cookie. */
let last:
  | ({ [K in Exclude<keyof CookieAttributes, 'expires'>]: CookieAttributes[K] | undefined } & {
      name: string
      dated: boolean
      template: SetCookieTemplate
    })
  | undefined

/**
 * The template for these attributes. Compared field by field with the last one first: building
 * the map key (a joined string, hashed for the lookup) on every response that sends the cookie
 * cost more than rendering it.
 */
function templateFor(
  name: string,
  attributes: CookieAttributes,
  dated: boolean,
): SetCookieTemplate {
  const { path, domain, httpOnly, secure, sameSite, partitioned, priority } = attributes
  if (
    last !== undefined &&
    last.name === name &&
    last.path === path &&
    last.domain === domain &&
    last.httpOnly === httpOnly &&
    last.secure === secure &&
    last.sameSite === sameSite &&
    last.partitioned === partitioned &&
    last.priority === priority &&
    last.dated === dated
  ) {
    return last.template
  }
  // NUL separates the fields: the serializer refuses control characters in every one of them.
  const key = [name, path, domain, httpOnly, secure, sameSite, partitioned, priority, dated].join(
    '\u0000',
  )
  let template = TEMPLATES.get(key)
  if (template === undefined) {
    if (TEMPLATES.size >= MAX_TEMPLATES) TEMPLATES.clear()
    template = new SetCookieTemplate(
      name,
      { path, domain, httpOnly, secure, sameSite, partitioned, priority },
      dated,
    )
    TEMPLATES.set(key, template)
  }
  last = { name, path, domain, httpOnly, secure, sameSite, partitioned, priority, dated, template }
  return template
}

/**
 * Templates by cookie name and attributes. Apps use one or a few attribute sets (a per-visitor
 * maxAge only changes the expiry); the bound keeps an app that varies them from growing it.
 */
const TEMPLATES = new Map<string, SetCookieTemplate>()
const MAX_TEMPLATES = 64

/** A Set-Cookie value that makes the browser drop the session cookie. */
export function clearingSetCookie(name: string, attributes: CookieAttributes): string {
  return serialize(name, '', { ...serializeOptions(attributes), expires: new Date(0) })
}
