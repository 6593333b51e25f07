import { type CookieOptions, type ResolvedCookieOptions, resolveCookieOptions } from './cookies.js'
import { KeyRing, type Secret } from './crypto.js'
import { InvalidConfigError } from './errors.js'
import type { Store } from './store.js'
import { type Clock, type Duration, parseDuration, systemClock } from './time.js'

/** What the request matcher sees of a request. */
export interface SessionRequestInfo {
  method: string
  /** Path and query, e.g. `/assets/app.js?v=3`. */
  url: string
  header(name: string): string | undefined
}

/** Options of {@link SessionManager}. Every default is listed in {@link MANAGER_DEFAULTS}. */
export interface SessionManagerOptions {
  /** Where sessions live, e.g. `openStore('sqlite:./data/sessions.db')`. */
  store: Store
  /**
   * One secret or several: the first signs cookies, all verify, so a new secret can be put in
   * front while cookies signed with the old one stay valid. Each needs 32 random bytes or more.
   * @example secrets: [process.env.SESSION_SECRET!, process.env.OLD_SESSION_SECRET!]
   */
  secrets: Secret | readonly Secret[]
  /** Absolute lifetime: a session ends this long after login or creation, however active. @default '24h' */
  lifetime?: Duration
  /** Idle timeout: a session ends after this long without a request. `null` turns it off. @default null */
  idleTimeout?: Duration | null
  /**
   * Requests that only read extend the idle deadline (throttled by `touchAfter`). With `false`,
   * only requests that change the session extend it.
   * @default true
   */
  rolling?: boolean
  /**
   * A read writes lastSeenAt and the new expiry at most this often, so reads do not turn into
   * writes. The idle timeout is exact to within this. Must be below `idleTimeout`.
   * @default '1m' (or a tenth of idleTimeout when that is shorter)
   */
  touchAfter?: Duration
  cookie?: CookieOptions
  /**
   * No store write and no cookie until the session holds a value or a user: anonymous visitors
   * who set nothing cost nothing. `false` saves every new session (express-session's
   * saveUninitialized).
   * @default true
   */
  lazy?: boolean
  /**
   * Also accept the signed session token from this request header (API and mobile clients),
   * e.g. `'x-session-token'`. The cookie wins when both are present.
   * @default null
   */
  header?: string | null
  /**
   * Requests for which the adapters load no session at all (static assets, health checks, bots).
   * @example skip: (req) => req.url.startsWith('/assets/')
   * @default null
   */
  skip?: ((request: SessionRequestInfo) => boolean) | null
  /** At most this many live sessions per user; logging in past it revokes the oldest. @default null */
  maxSessionsPerUser?: number | null
  /** How often expired sessions are removed (when the store can). `null` turns it off. @default '1h' */
  cleanupInterval?: Duration | null
  /**
   * When the store is down at load: `false` (fail closed) throws StoreUnavailableError, which
   * adapters answer with 503; `true` serves the request with an empty, unsaved session.
   * Writes always fail closed.
   * @default false
   */
  failOpen?: boolean
  /** @default the system clock */
  clock?: Clock
}

export interface ResolvedManagerOptions {
  store: Store
  keys: KeyRing
  lifetime: number
  idleTimeout: number | null
  rolling: boolean
  touchAfter: number
  cookie: ResolvedCookieOptions
  lazy: boolean
  header: string | null
  skip: ((request: SessionRequestInfo) => boolean) | null
  maxSessionsPerUser: number | null
  cleanupInterval: number | null
  failOpen: boolean
  clock: Clock
}

export const MANAGER_DEFAULTS = {
  lifetime: '24h',
  idleTimeout: null,
  rolling: true,
  touchAfter: '1m',
  lazy: true,
  header: null,
  skip: null,
  maxSessionsPerUser: null,
  cleanupInterval: '1h',
  failOpen: false,
  clock: systemClock,
} as const satisfies Required<Omit<SessionManagerOptions, 'store' | 'secrets' | 'cookie'>>

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** 100 years: past a few hundred thousand years a session's expiry is no longer a Date at all. */
const MAX_SESSION_DURATION = 100 * 365 * 86_400_000
/** setInterval turns any longer delay into 1 ms (TimeoutOverflowWarning): about 24.8 days. */
const MAX_TIMER_DELAY = 2 ** 31 - 1

function isStore(value: unknown): value is Store {
  if (typeof value !== 'object' || value === null) return false
  const store = value as Record<string, unknown>
  return ['get', 'set', 'patch', 'touch', 'destroy', 'close'].every(
    (method) => typeof store[method] === 'function',
  )
}

function booleanOption(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidConfigError(field, 'must be true or false')
  return value
}

/** Validates options once, at construction, and returns a fresh object (the caller's is untouched). */
export function resolveManagerOptions(options: SessionManagerOptions): ResolvedManagerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'must be an object with at least `store` and `secrets`')
  }
  if (!isStore(options.store)) {
    throw new InvalidConfigError(
      'store',
      "must be a store, e.g. openStore('sqlite:./data/sessions.db')",
    )
  }
  const lifetime = parseDuration(options.lifetime ?? MANAGER_DEFAULTS.lifetime, 'lifetime')
  if (lifetime <= 0) throw new InvalidConfigError('lifetime', 'must be longer than zero')
  if (lifetime > MAX_SESSION_DURATION) {
    throw new InvalidConfigError('lifetime', 'must be at most 100 years')
  }
  const idleRaw =
    options.idleTimeout === undefined ? MANAGER_DEFAULTS.idleTimeout : options.idleTimeout
  const idleTimeout = idleRaw === null ? null : parseDuration(idleRaw, 'idleTimeout')
  if (idleTimeout !== null && idleTimeout <= 0) {
    throw new InvalidConfigError('idleTimeout', 'must be longer than zero, or null to turn it off')
  }
  if (idleTimeout !== null && idleTimeout > MAX_SESSION_DURATION) {
    throw new InvalidConfigError('idleTimeout', 'must be at most 100 years, or null')
  }
  const touchAfter =
    options.touchAfter === undefined
      ? Math.min(
          parseDuration(MANAGER_DEFAULTS.touchAfter, 'touchAfter'),
          idleTimeout === null ? Number.POSITIVE_INFINITY : Math.floor(idleTimeout / 10),
        )
      : parseDuration(options.touchAfter, 'touchAfter')
  if (idleTimeout !== null && touchAfter >= idleTimeout) {
    throw new InvalidConfigError('touchAfter', 'must be shorter than idleTimeout')
  }
  const header = options.header ?? MANAGER_DEFAULTS.header
  if (header !== null && (typeof header !== 'string' || !HEADER_NAME.test(header))) {
    throw new InvalidConfigError('header', 'must be an HTTP header name such as "x-session-token"')
  }
  const skip = options.skip ?? MANAGER_DEFAULTS.skip
  if (skip !== null && typeof skip !== 'function') {
    throw new InvalidConfigError('skip', 'must be a function (request) => boolean')
  }
  const cap = options.maxSessionsPerUser ?? MANAGER_DEFAULTS.maxSessionsPerUser
  if (cap !== null && (!Number.isInteger(cap) || cap < 1)) {
    throw new InvalidConfigError(
      'maxSessionsPerUser',
      'must be a whole number of at least 1, or null',
    )
  }
  const cleanupRaw =
    options.cleanupInterval === undefined
      ? MANAGER_DEFAULTS.cleanupInterval
      : options.cleanupInterval
  const cleanupInterval = cleanupRaw === null ? null : parseDuration(cleanupRaw, 'cleanupInterval')
  if (cleanupInterval !== null && cleanupInterval > MAX_TIMER_DELAY) {
    throw new InvalidConfigError('cleanupInterval', 'must be at most 24 days (a timer limit)')
  }
  const clock = options.clock ?? MANAGER_DEFAULTS.clock
  if (typeof clock?.now !== 'function') {
    throw new InvalidConfigError('clock', 'must have a now() method returning epoch milliseconds')
  }
  return {
    store: options.store,
    keys: new KeyRing(options.secrets),
    lifetime,
    idleTimeout,
    rolling: booleanOption(options.rolling ?? MANAGER_DEFAULTS.rolling, 'rolling'),
    touchAfter,
    cookie: resolveCookieOptions(options.cookie),
    lazy: booleanOption(options.lazy ?? MANAGER_DEFAULTS.lazy, 'lazy'),
    header: header === null ? null : header.toLowerCase(),
    skip,
    maxSessionsPerUser: cap,
    cleanupInterval: cleanupInterval === 0 ? null : cleanupInterval,
    failOpen: booleanOption(options.failOpen ?? MANAGER_DEFAULTS.failOpen, 'failOpen'),
    clock,
  }
}
