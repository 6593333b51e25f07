/**
 * CSRF protection. The synchronizer token pattern for sessions kept in a store (the token
 * lives in the session, the form or header sends it back), and the signed double-submit cookie
 * for apps that keep no server-side state per visitor.
 * @module
 */

import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { KeyRing, type Secret } from '../core/crypto.js'
import { InvalidConfigError } from '../core/errors.js'
import { hmacSha256 } from '../core/hmac.js'
import { generateId, isWellFormedId } from '../core/ids.js'
import type { Session, SessionData } from '../core/session.js'

/** The session data key the synchronizer token is kept under. */
export const CSRF_SESSION_KEY = '_csrf'

/**
 * What the synchronizer helpers need from a session object that is not a {@link Session}
 * (a framework adapter's wrapper, say). A Session of any `Data` type is accepted as is.
 */
export interface CsrfSession {
  get(key: string): unknown
  set(key: string, value: string): unknown
}

/** A Session of any data and flash types, or anything else with string-keyed get and set. */
export type CsrfSessionLike<D extends SessionData, F extends SessionData> =
  | Session<D, F>
  | CsrfSession

/**
 * `Session<Data>` only types the keys of `Data`, and `_csrf` is rarely one of them; at run time
 * get and set take any data key, so the cast only widens the key type.
 */
function untyped<D extends SessionData, F extends SessionData>(
  session: CsrfSessionLike<D, F>,
): CsrfSession {
  return session as unknown as CsrfSession
}

/** Equal-length constant-time comparison; a different length or a non-string is just false. */
function safeEqual(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The session's CSRF token, created (32 CSPRNG bytes, base64url) and stored under
 * {@link CSRF_SESSION_KEY} on first use. Put it in every form (`<input type="hidden"
 * name="_csrf">`) or in a request header from your scripts; commit the session so it is saved.
 * The same token serves the whole session: a new one per request would break the back button
 * and parallel tabs without adding protection.
 * @example
 * ```ts
 * html`<input type="hidden" name="_csrf" value="${csrfToken(session)}">`
 * ```
 */
export function csrfToken<D extends SessionData, F extends SessionData>(
  session: CsrfSessionLike<D, F>,
): string {
  const data = untyped(session)
  const existing = data.get(CSRF_SESSION_KEY)
  if (typeof existing === 'string' && isWellFormedId(existing)) return existing
  const token = generateId()
  data.set(CSRF_SESSION_KEY, token)
  return token
}

/**
 * True when `submitted` is this session's CSRF token. Constant-time; false (never an
 * exception) for a missing, wrong, differently sized or non-string value, and when the session
 * has no token yet. Check it on every state-changing request (POST, PUT, PATCH, DELETE).
 * @example
 * ```ts
 * if (!verifyCsrf(session, form.get('_csrf') ?? request.headers.get('x-csrf-token'))) {
 *   return new Response('Forbidden', { status: 403 })
 * }
 * ```
 */
export function verifyCsrf<D extends SessionData, F extends SessionData>(
  session: CsrfSessionLike<D, F>,
  submitted: unknown,
): boolean {
  const expected = untyped(session).get(CSRF_SESSION_KEY)
  if (typeof expected !== 'string' || !isWellFormedId(expected)) return false
  return safeEqual(expected, submitted)
}

/** Options of {@link DoubleSubmitCsrf}. */
export interface DoubleSubmitCsrfOptions {
  /**
   * One secret or several, newest first: the first signs, all verify, so a secret can be
   * rotated without failing forms already on screen. At least 32 random bytes each. Can be
   * the session manager's secrets; a separate key is derived for CSRF.
   */
  secrets: Secret | readonly Secret[]
}

/** What {@link DoubleSubmitCsrf.verify} compares. */
export interface DoubleSubmitCheck {
  /** The same value given to {@link DoubleSubmitCsrf.issue}, e.g. `session.id`. */
  binding: string
  /** The CSRF cookie of the request. */
  cookie: unknown
  /** The token the form field or request header carried. */
  submitted: unknown
}

const CSRF_KEY_INFO = 'sessionkit/csrf-double-submit/v1'
const NONCE_PATTERN = /^[A-Za-z0-9_-]{22}$/
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * The signed double-submit cookie (OWASP's recommended variant), for sessions sealed in the
 * cookie where there is no server-side record to keep a token in. The token is
 * `nonce.HMAC(key, binding, nonce)`: it is set in a cookie and sent back in a form field or a
 * header, and the two must match. The HMAC binds it to the session, so an attacker who can
 * plant a cookie (from a sibling subdomain, say) still cannot make one that verifies.
 *
 * Keys are derived once, when the object is built (HKDF from each secret), never per request.
 *
 * @example
 * ```ts
 * const csrf = new DoubleSubmitCsrf({ secrets: [process.env.SESSION_SECRET!] })
 * // GET: send the token as a cookie readable by your scripts, and in the page
 * const token = csrf.issue(session.id)
 * headers.append('Set-Cookie', `__Host-csrf=${token}; Path=/; Secure; SameSite=Strict`)
 * // POST:
 * const ok = csrf.verify({ binding: session.id, cookie: cookies['__Host-csrf'], submitted: request.headers.get('x-csrf-token') })
 * ```
 */
export class DoubleSubmitCsrf {
  readonly #keys: readonly Buffer[]

  /** @throws InvalidConfigError for missing, short or low-entropy secrets. */
  constructor(options: DoubleSubmitCsrfOptions) {
    const ring = new KeyRing(options?.secrets, 'secrets')
    // A CSRF MAC must never be usable as any other MAC: its own key, one HKDF step below the
    // ring's token-hashing key.
    this.#keys = ring
      .keys('token-hashing')
      .map((key) => Buffer.from(hkdfSync('sha256', key, '', CSRF_KEY_INFO, 32)))
  }

  /**
   * A new token bound to `binding` (a value that identifies the session, e.g. `session.id`),
   * signed with the newest secret. Issue a fresh one whenever the binding changes (login).
   * @throws InvalidConfigError when `binding` is not a non-empty string.
   */
  issue(binding: string): string {
    const [key] = this.#keys
    if (key === undefined || typeof binding !== 'string' || binding.length === 0) {
      throw new InvalidConfigError(
        'binding',
        'give the value that identifies the session, e.g. session.id',
      )
    }
    const nonce = randomBytes(16).toString('base64url')
    return `${nonce}.${mac(key, binding, nonce)}`
  }

  /**
   * True when the cookie and the submitted token are the same string, and that string was
   * issued for `binding` under any of the secrets. Constant-time; false (never an exception)
   * for anything missing, malformed, forged or bound to another session.
   */
  verify(check: DoubleSubmitCheck): boolean {
    const { binding, cookie, submitted } = check ?? {}
    if (typeof binding !== 'string' || typeof cookie !== 'string') return false
    if (!safeEqual(cookie, submitted)) return false
    const dot = cookie.indexOf('.')
    const nonce = cookie.slice(0, dot)
    const given = cookie.slice(dot + 1)
    if (dot < 0 || !NONCE_PATTERN.test(nonce) || !MAC_PATTERN.test(given)) return false
    let valid = false
    // Every key is tried, so the timing does not tell which one matched.
    for (const key of this.#keys) {
      if (safeEqual(mac(key, binding, nonce), given)) valid = true
    }
    return valid
  }
}

/** The nonce has a fixed length, so nonce then binding cannot be split two ways. */
function mac(key: Buffer, binding: string, nonce: string): string {
  return hmacSha256(key, `${nonce}\u0000${binding}`, 'base64url')
}
