/**
 * `req.session.cookie`: express-session's Cookie, with the same fields, defaults and quirks, so
 * code that reads `maxAge` or sets it per visitor ("remember me") behaves as before.
 * @module
 */
import { serialize } from 'cookie'
import type { CookieAttributes } from './signature.js'
import { once } from './warn.js'

/** Settings of the session cookie (the `cookie` option), as in express-session. */
export interface CookieOptions {
  /**
   * Milliseconds until the cookie expires, counted from when it is sent. `null` (the default)
   * makes a browser-session cookie. When both `maxAge` and `expires` are given, the later one
   * in the object wins.
   * @default null
   */
  maxAge?: number | null | undefined
  /** @deprecated Use `maxAge`. A fixed expiry; `null` or `false` makes a browser-session cookie. */
  expires?: Date | null | false | undefined
  /** @default true */
  httpOnly?: boolean | undefined
  /** @default '/' */
  path?: string | undefined
  /** @default unset (the current host only) */
  domain?: string | undefined
  /**
   * `true` sends the cookie over HTTPS only (and it is not set at all on a plain-HTTP request);
   * `'auto'` follows the connection's security (see the `proxy` option).
   * @default false
   */
  secure?: boolean | 'auto' | undefined
  /**
   * `true` is `Strict`, `false` sends no SameSite attribute, `'auto'` is `None` on secure
   * connections and `Lax` otherwise.
   * @default false
   */
  sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined
  /** CHIPS `Partitioned` attribute. @default false */
  partitioned?: boolean | undefined
  /** `Priority` attribute. @default unset */
  priority?: 'low' | 'medium' | 'high' | undefined
  /** Accepted and ignored, as express-session ignores it. */
  signed?: boolean | undefined
}

/** What a cookie looks like in JSON (stored with the session, as express-session stores it). */
export interface CookieData extends CookieAttributes {
  originalMaxAge: number | null
}

/** Fields a Cookie can be built from: options, or a stored cookie (`expires` may be a string). */
export type CookieInit = Omit<CookieOptions, 'expires'> & {
  expires?: Date | string | null | false | undefined
  originalMaxAge?: number | null | undefined
}

type SameSite = CookieOptions['sameSite']

function sameSiteOf(value: unknown): SameSite {
  if (typeof value === 'boolean') return value
  return value === 'lax' || value === 'strict' || value === 'none' || value === 'auto'
    ? value
    : undefined
}

function priorityOf(value: unknown): CookieOptions['priority'] {
  return value === 'low' || value === 'medium' || value === 'high' ? value : undefined
}

/** True when `stored` keeps `value` under `key`, or (for undefined, which JSON drops) nothing. */
function storedAs(stored: Readonly<Record<string, unknown>>, key: string, value: unknown): boolean {
  return value === undefined ? !Object.hasOwn(stored, key) : stored[key] === value
}

function defined(value: unknown): number {
  return value === undefined ? 0 : 1
}

/**
 * The session cookie of one session. `maxAge` reads the milliseconds left and, when set, moves
 * `expires`; `originalMaxAge` is the lifetime it was given. A Cookie serializes (toJSON) to the
 * same object express-session stores.
 */
export class Cookie {
  path = '/'
  httpOnly = true
  secure: boolean | 'auto' | undefined
  domain: string | undefined
  sameSite: SameSite
  partitioned: boolean | undefined
  priority: CookieOptions['priority']
  signed: boolean | undefined
  /** The lifetime the cookie was given, in milliseconds; null for a browser-session cookie. */
  originalMaxAge: number | null = null
  #expires: Date | null = null

  constructor(options?: CookieInit) {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError('argument options must be a object')
    }
    let originalMaxAge: number | null | undefined
    // Keys are applied in the caller's order: "the last one defined in the object is what is used".
    const given = (options ?? {}) as Record<string, unknown>
    for (const key of Object.keys(given)) {
      const value = given[key]
      switch (key) {
        case 'maxAge':
          this.maxAge = value as number | null
          break
        case 'expires':
          this.expires = value as Date | string | null
          break
        case 'originalMaxAge':
          originalMaxAge = typeof value === 'number' ? value : null
          break
        case 'path':
          if (typeof value === 'string') this.path = value
          break
        case 'httpOnly':
          this.httpOnly = Boolean(value)
          break
        case 'secure':
          this.secure = value === 'auto' ? 'auto' : value === undefined ? undefined : Boolean(value)
          break
        case 'domain':
          this.domain = typeof value === 'string' ? value : undefined
          break
        case 'sameSite':
          this.sameSite = sameSiteOf(value)
          break
        case 'partitioned':
          this.partitioned = value === undefined ? undefined : Boolean(value)
          break
        case 'priority':
          this.priority = priorityOf(value)
          break
        case 'signed':
          this.signed = value === undefined ? undefined : Boolean(value)
          break
      }
    }
    // A stored cookie keeps the lifetime it was given, not the time it had left when stored.
    if (originalMaxAge !== undefined && originalMaxAge !== null)
      this.originalMaxAge = originalMaxAge
  }

  /** When the cookie expires; null for a browser-session cookie. Setting it resets originalMaxAge. */
  get expires(): Date | null {
    return this.#expires
  }

  set expires(date: Date | string | null | false | undefined) {
    this.#expires =
      date instanceof Date ? date : typeof date === 'string' && date !== '' ? new Date(date) : null
    this.originalMaxAge = this.maxAge
  }

  /** Milliseconds left before the cookie expires; null for a browser-session cookie. */
  get maxAge(): number | null {
    return this.#expires === null ? null : this.#expires.getTime() - Date.now()
  }

  set maxAge(ms: number | Date | null | undefined) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) {
      throw new TypeError('maxAge must be a number or Date')
    }
    if (ms instanceof Date) {
      once('maxage-date', 'maxAge as Date; pass number of milliseconds instead')
      this.expires = ms
      return
    }
    if (typeof ms === 'number') {
      this.#expires = new Date(Date.now() + ms)
      // Exact, where express-session recomputes it from the clock and can drift by a millisecond.
      this.originalMaxAge = ms
      return
    }
    this.expires = null
  }

  /** The attributes for Set-Cookie, plus originalMaxAge: what express-session stores. */
  get data(): CookieData {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this.#expires,
      secure: this.secure === 'auto' ? undefined : this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite === 'auto' ? undefined : this.sameSite,
    }
  }

  /**
   * True when `stored` (this cookie as kept with the session: its JSON without `expires`) holds
   * the same settings. Field by field and without building {@link data}: it runs on every read,
   * and a store such as PostgreSQL's jsonb hands the object back with its keys reordered.
   */
  sameSettings(stored: Readonly<Record<string, unknown>>): boolean {
    const secure = this.secure === 'auto' ? undefined : this.secure
    const sameSite = this.sameSite === 'auto' ? undefined : this.sameSite
    if (
      !(
        storedAs(stored, 'originalMaxAge', this.originalMaxAge) &&
        storedAs(stored, 'partitioned', this.partitioned) &&
        storedAs(stored, 'priority', this.priority) &&
        storedAs(stored, 'secure', secure) &&
        storedAs(stored, 'httpOnly', this.httpOnly) &&
        storedAs(stored, 'domain', this.domain) &&
        storedAs(stored, 'path', this.path) &&
        storedAs(stored, 'sameSite', sameSite)
      )
    ) {
      return false
    }
    const expected =
      defined(this.originalMaxAge) +
      defined(this.partitioned) +
      defined(this.priority) +
      defined(secure) +
      defined(this.httpOnly) +
      defined(this.domain) +
      defined(this.path) +
      defined(sameSite)
    let present = 0
    for (const key in stored) if (Object.hasOwn(stored, key)) present++
    return present === expected
  }

  /** A Set-Cookie value for `name=value` with this cookie's attributes. */
  serialize(name: string, value: string): string {
    const { expires, originalMaxAge: _, ...attributes } = this.data
    return serialize(name, value, expires instanceof Date ? { ...attributes, expires } : attributes)
  }

  toJSON(): CookieData {
    return this.data
  }
}
