/**
 * The options of `session()`: express-session 1.x's, with the same defaults, the same
 * validation errors and the same deprecation warnings, plus a few sessionkit extras that only
 * apply to sessionkit stores.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Request } from 'express'
import { KeyRing } from '../../core/crypto.js'
import { InvalidConfigError } from '../../core/errors.js'
import type { SessionManagerOptions } from '../../core/options.js'
import type { Store as SessionkitStore } from '../../core/store.js'
import { type Duration, parseDuration } from '../../core/time.js'
import { MemoryStore as SessionkitMemoryStore } from '../../stores/memory.js'
import type { ErrorContext } from '../shared.js'
import { CompatStore, isSessionkitStore, MemoryStore } from './compat-store.js'
import type { CookieOptions } from './cookie.js'
import type { CookieReader, ExpressSecret } from './signature.js'
import { type CallbackStore, isCallbackStore } from './store.js'
import { once } from './warn.js'

/** Options of `session()`. Everything but the sessionkit extras means what it means in express-session. */
export interface SessionOptions {
  /**
   * Signs the session cookie. Several: the first signs, all verify, so a new secret can go in
   * front while cookies signed with the old ones stay valid. Use 32 random bytes or more;
   * shorter secrets work (as in express-session) but are warned about.
   */
  secret: ExpressSecret | ExpressSecret[]
  /** The session cookie's name. @default 'connect.sid' */
  name?: string | undefined
  /** The session cookie's settings, or a function of the request returning them. */
  cookie?: CookieOptions | ((req: Request) => CookieOptions) | undefined
  /** Makes a new session ID. @default 32 random bytes, base64url */
  genid?: ((req: Request) => string) | undefined
  /**
   * Save the session at the end of every request, changed or not. With sessionkit only the
   * changed keys are ever written, so `true` no longer overwrites a concurrent request's change;
   * it then only moves the session's expiry on every request.
   * @default true (deprecated default: a warning asks you to choose, as express-session does)
   */
  resave?: boolean | undefined
  /** Send the cookie on every response, moving its expiry. @default false */
  rolling?: boolean | undefined
  /**
   * Save (and send a cookie for) a new session even when nothing was stored in it.
   * @default true (deprecated default: a warning asks you to choose, as express-session does)
   */
  saveUninitialized?: boolean | undefined
  /**
   * Trust `X-Forwarded-Proto` for `cookie.secure`: `true` reads it, `false` ignores it,
   * undefined follows Express's "trust proxy" setting (`req.secure`).
   */
  proxy?: boolean | undefined
  /** What unsetting `req.session` does: `'keep'` the stored session, or `'destroy'` it. @default 'keep' */
  unset?: 'destroy' | 'keep' | undefined
  /**
   * Where sessions live: a sessionkit store (`openStore(url)`, `new MemoryStore()` from this
   * module …) or any express-session store (connect-redis, connect-pg-simple …).
   * @default a new MemoryStore (warned about when NODE_ENV is production)
   */
  store?: CallbackStore | SessionkitStore | undefined

  // sessionkit extras, for sessionkit stores (a callback store keeps its own expiry).

  /**
   * How long a session lives at most, however active (absolute timeout). express-session has
   * none; this default is the longest a browser keeps a cookie.
   * @default '400d'
   */
  lifetime?: Duration | undefined
  /**
   * A session ends after this long without a request that counts (see `rolling`).
   * @default cookie.maxAge when it is a number, else '24h'
   */
  idleTimeout?: Duration | null | undefined
  /** A request that only reads writes the new expiry at most this often. @default '1m' or a tenth of idleTimeout */
  touchAfter?: Duration | undefined
  /** At most this many sessions per user; logging in past it ends the oldest. @default null */
  maxSessionsPerUser?: number | null | undefined
  /** How often expired sessions are removed from the store. @default '1h' */
  cleanupInterval?: Duration | null | undefined
  /**
   * Called with errors the middleware answers for by itself: a failed save before the response
   * (answered with 503), a failed save after it. Load errors go to `next(err)` as with
   * express-session.
   * @default logs the error code and message
   */
  onError?: ((error: unknown, context: ErrorContext) => void) | null | undefined
}

/** What the middleware runs on: a sessionkit store, or an express-session callback store. */
export type ResolvedStore =
  | { kind: 'kit'; store: CompatStore }
  | { kind: 'callback'; store: CallbackStore }

/** Options after defaults and validation. */
export interface ResolvedOptions {
  name: string
  cookie: (req: Request) => CookieOptions
  genid: ((req: Request) => string) | null
  resave: boolean
  rolling: boolean
  saveUninitialized: boolean
  proxy: boolean | undefined
  unsetDestroy: boolean
  /** null: the secret comes from cookie-parser's `req.secret`, as express-session allows. */
  reader: CookieReader | null
  store: ResolvedStore
  onError: SessionOptions['onError']
}

/** express-session has no absolute lifetime; 400 days is the longest a browser keeps a cookie (RFC 6265bis). */
const LIFETIME_DEFAULT = '400d'
/** With no cookie.maxAge, a session ends after a day without requests: connect-redis's default TTL. */
const IDLE_DEFAULT = '24h'

const MEMORY_STORE_WARNING =
  'Warning: sessionkit/express MemoryStore is not\n' +
  'designed for a production environment, as it will\n' +
  'not scale past a single process and loses every session on restart.'

function resolveStore(store: unknown): ResolvedStore {
  if (store === undefined || store === null) return { kind: 'kit', store: new MemoryStore() }
  if (store instanceof CompatStore) return { kind: 'kit', store }
  if (isSessionkitStore(store)) return { kind: 'kit', store: new CompatStore(store) }
  if (isCallbackStore(store)) return { kind: 'callback', store }
  throw new InvalidConfigError(
    'store',
    'must be a sessionkit store or an express-session store (with get, set and destroy)',
  )
}

/**
 * A fixed cookie's maxAge and expires, checked when the middleware is made: express-session
 * accepts an invalid date here and fails on every request that sets the cookie.
 */
function checkCookieTimes(cookie: CookieOptions): void {
  const { maxAge, expires } = cookie as { maxAge?: unknown; expires?: unknown }
  if (typeof maxAge === 'number' && !Number.isFinite(maxAge)) {
    throw new TypeError(
      `cookie.maxAge option is invalid: ${maxAge} is not a finite number of milliseconds`,
    )
  }
  if (
    maxAge !== undefined &&
    maxAge !== null &&
    typeof maxAge !== 'number' &&
    !(maxAge instanceof Date)
  ) {
    throw new TypeError('maxAge must be a number or Date')
  }
  const date =
    expires instanceof Date
      ? expires
      : typeof expires === 'string' && expires !== ''
        ? new Date(expires)
        : null
  if (date !== null && Number.isNaN(date.getTime())) {
    throw new TypeError('cookie.expires option is invalid: not a valid date')
  }
}

/** Builds the cookie reader for these secrets; null when there are none (cookie-parser's req.secret is used). */
export function cookieReader(name: string, secrets: readonly ExpressSecret[]): CookieReader {
  let keys: KeyRing | null = null
  try {
    keys = new KeyRing(secrets)
  } catch {
    // Too weak for sessionkit's own format, which therefore cannot have been issued with them.
  }
  return { name, secrets, keys }
}

function warnWeakSecrets(secrets: readonly ExpressSecret[]): void {
  const weak = secrets.some(
    (secret) => (typeof secret === 'string' ? Buffer.byteLength(secret) : secret.byteLength) < 32,
  )
  if (weak) {
    once(
      'weak-secret',
      "a session secret is shorter than 32 bytes; anyone who guesses it can forge session cookies. Generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"",
      'Warning',
    )
  }
}

/** Validates once, at construction, with express-session's errors; the caller's object is untouched. */
export function resolveOptions(options: SessionOptions | undefined): ResolvedOptions {
  const opts: Partial<SessionOptions> & { key?: string } = options ?? {}
  const genid = opts.genid ?? null
  if (genid !== null && typeof genid !== 'function') {
    throw new TypeError('genid option must be a function')
  }
  let resave = opts.resave
  if (resave === undefined) {
    once('resave', 'undefined resave option; provide resave option')
    resave = true
  }
  let saveUninitialized = opts.saveUninitialized
  if (saveUninitialized === undefined) {
    once(
      'save-uninitialized',
      'undefined saveUninitialized option; provide saveUninitialized option',
    )
    saveUninitialized = true
  }
  if (opts.unset && opts.unset !== 'destroy' && opts.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"')
  }
  const rawSecret = opts.secret
  if (Array.isArray(rawSecret) && rawSecret.length === 0) {
    throw new TypeError('secret option array must contain one or more strings')
  }
  const secrets = rawSecret ? (Array.isArray(rawSecret) ? rawSecret : [rawSecret]) : null
  if (secrets === null) once('req-secret', 'req.secret; provide secret option')
  else warnWeakSecrets(secrets)
  const name = opts.name || opts.key || 'connect.sid'
  const cookie = opts.cookie ?? {}
  if (typeof cookie !== 'function') checkCookieTimes(cookie)
  const store = resolveStore(opts.store)
  if (
    process.env.NODE_ENV === 'production' &&
    store.kind === 'kit' &&
    store.store.store instanceof SessionkitMemoryStore
  ) {
    console.warn(MEMORY_STORE_WARNING)
  }
  return {
    name,
    cookie: typeof cookie === 'function' ? cookie : () => cookie,
    genid,
    resave: Boolean(resave),
    rolling: Boolean(opts.rolling),
    saveUninitialized: Boolean(saveUninitialized),
    proxy: opts.proxy,
    unsetDestroy: opts.unset === 'destroy',
    reader: secrets === null ? null : cookieReader(name, secrets),
    store,
    onError: opts.onError,
  }
}

/**
 * The core manager's policy for a sessionkit store, mapped from express-session's options.
 *
 * express-session renews a session's store expiry on every request (touch) and its cookie's
 * when the session changes (or on every response with `rolling`), so in effect a session ends
 * `cookie.maxAge` after its last change, or after its last request with `rolling`. The core's
 * idle timeout with `rolling: false` (only changes extend it) and `rolling: true` (reads do
 * too) are exactly those two. Without a maxAge the cookie lasts the browser session and the
 * store forgets the session after a day idle, as connect-redis's default TTL does.
 */
export function managerOptions(
  options: SessionOptions | undefined,
  resolved: ResolvedOptions,
  store: SessionkitStore,
): SessionManagerOptions {
  const opts = options ?? ({} as Partial<SessionOptions>)
  const cookie = typeof opts.cookie === 'object' && opts.cookie !== null ? opts.cookie : undefined
  const maxAge = typeof cookie?.maxAge === 'number' ? Math.max(1, cookie.maxAge) : null
  const idleTimeout = opts.idleTimeout !== undefined ? opts.idleTimeout : (maxAge ?? IDLE_DEFAULT)
  const idle = idleTimeout === null ? 0 : parseDuration(idleTimeout, 'idleTimeout')
  const lifetime = opts.lifetime ?? Math.max(parseDuration(LIFETIME_DEFAULT, 'lifetime'), idle)
  return {
    store,
    // Signs only the ID the adapter hands the manager inside this process; never sent anywhere.
    secrets: [randomBytes(32)],
    lifetime,
    idleTimeout,
    rolling: maxAge === null || resolved.rolling,
    ...(opts.touchAfter === undefined ? {} : { touchAfter: opts.touchAfter }),
    // The adapter decides what to save, by express-session's rules (saveUninitialized).
    lazy: false,
    maxSessionsPerUser: opts.maxSessionsPerUser ?? null,
    ...(opts.cleanupInterval === undefined ? {} : { cleanupInterval: opts.cleanupInterval }),
    cookie: { name: 'sid', secure: false, hostPrefix: false },
  }
}
