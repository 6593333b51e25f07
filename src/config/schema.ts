/**
 * The configuration schema (zod): every setting of sessionkit.config.yaml / .json and of the
 * SESSIONKIT_* variables, its allowed values and its default. Durations follow parseDuration
 * (`'30m'`, `'24h'`, milliseconds); the cookie rules are the core's own (resolveCookieOptions),
 * so the file cannot accept what the manager would refuse.
 * @module
 */

import { z } from 'zod'
import { COOKIE_DEFAULTS, resolveCookieOptions } from '../core/cookies.js'
import { KeyRing } from '../core/crypto.js'
import { InvalidConfigError } from '../core/errors.js'
import { MANAGER_DEFAULTS } from '../core/options.js'
import { parseDuration } from '../core/time.js'
import { STORE_SCHEMES } from '../stores/open-store.js'
import { parseStoreUrl } from '../stores/store-url.js'

/** The store used when neither the file nor SESSIONKIT_STORE names one. */
export const DEFAULT_STORE_URL = 'sqlite:./data/sessions.db'

/** The cookie settings after defaults. */
export interface CookieConfig {
  name: string
  path: string
  /** `null`: no Domain attribute (the default, which keeps the `__Host-` prefix possible). */
  domain: string | null
  httpOnly: boolean
  secure: boolean
  sameSite: 'lax' | 'strict' | 'none'
  partitioned: boolean
  persistent: boolean
  hostPrefix: boolean
}

/** Every setting after defaults and validation. Durations are milliseconds; `null` is "off". */
export interface SessionkitConfig {
  /** A store URL for openStore. */
  store: string
  /** The first signs, all verify. Empty when none is configured (createFromConfig then refuses). */
  secrets: string[]
  lifetime: number
  idleTimeout: number | null
  rolling: boolean
  /** `undefined`: the manager's rule (1 minute, or a tenth of idleTimeout when shorter). */
  touchAfter: number | undefined
  lazy: boolean
  header: string | null
  maxSessionsPerUser: number | null
  cleanupInterval: number | null
  failOpen: boolean
  cookie: CookieConfig
}

const DURATION = 'must be milliseconds or a duration such as "30s", "30m", "24h" or "7d"'
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** What an InvalidConfigError says after its `invalid option \`field\`: ` prefix. */
export function reasonOf(error: InvalidConfigError): string {
  const prefix = `sessionkit: invalid option \`${error.field}\`: `
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
}

function isOff(value: unknown): boolean {
  return value === null || value === 'off'
}

type IssueContext = z.core.$RefinementCtx

/** Whole milliseconds, or an issue (and z.NEVER) when `value` is no duration. */
function toMs(value: unknown, ctx: IssueContext, options: { off?: boolean; positive?: boolean }) {
  const orOff = options.off ? ', or "off"' : ''
  let ms: number
  try {
    ms = parseDuration(value, 'duration')
  } catch {
    ctx.addIssue({ code: 'custom', message: `${DURATION}${orOff}` })
    return z.NEVER
  }
  if (options.positive && ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be longer than zero${orOff}` })
    return z.NEVER
  }
  return ms
}

/** A duration that must be set (it has a default). */
function duration(fallback: string, positive: boolean) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): number =>
      toMs(value === undefined ? fallback : value, ctx, { positive }),
    )
}

/** A duration that `null` or `'off'` turns off. */
function durationOrOff(fallback: string | null, positive: boolean) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): number | null => {
      const given = value === undefined ? fallback : value
      if (isOff(given)) return null
      const ms = toMs(given, ctx, { off: true, positive })
      // As in the manager: an interval of zero is no interval.
      return ms === 0 ? null : ms
    })
}

/** touchAfter: unset means the manager's own rule, which depends on idleTimeout. */
const touchAfter = z
  .unknown()
  .optional()
  .transform((value, ctx): number | undefined =>
    value === undefined ? undefined : toMs(value, ctx, {}),
  )

function flag(fallback: boolean) {
  return z.boolean({ error: 'must be true or false' }).default(fallback)
}

const secrets = z
  .unknown()
  .optional()
  .transform((value, ctx): string[] => {
    if (value === undefined || value === null) return []
    const list = typeof value === 'string' ? [value] : value
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      // Never describe the value: it is a secret, or meant to be.
      ctx.addIssue({ code: 'custom', message: 'must be a secret string or a list of them' })
      return z.NEVER
    }
    return list
  })

const header = z
  .unknown()
  .optional()
  .transform((value, ctx): string | null => {
    if (value === undefined || isOff(value)) return null
    if (typeof value === 'string' && HEADER_NAME.test(value)) return value
    ctx.addIssue({
      code: 'custom',
      message: 'must be an HTTP header name such as "x-session-token", or "off"',
    })
    return z.NEVER
  })

const maxSessionsPerUser = z
  .unknown()
  .optional()
  .transform((value, ctx): number | null => {
    if (value === undefined || isOff(value)) return null
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value
    ctx.addIssue({ code: 'custom', message: 'must be a whole number of at least 1, or "off"' })
    return z.NEVER
  })

const domain = z
  .unknown()
  .optional()
  .transform((value, ctx): string | null => {
    if (value === undefined || isOff(value)) return null
    if (typeof value === 'string' && value.trim() !== '') return value.trim()
    ctx.addIssue({
      code: 'custom',
      message: 'must be a domain name such as "example.com", or "off"',
    })
    return z.NEVER
  })

const store = z
  .string({ error: 'must be a store URL such as "sqlite:./data/sessions.db"' })
  .default(DEFAULT_STORE_URL)
  .superRefine((url, ctx) => {
    try {
      const { scheme } = parseStoreUrl(url)
      if (!Object.hasOwn(STORE_SCHEMES, scheme)) {
        const known = Object.keys(STORE_SCHEMES).map((name) => `${name}:`)
        ctx.addIssue({
          code: 'custom',
          message: `the scheme "${scheme}:" is not supported; use one of ${known.join(', ')}`,
        })
      }
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error
      ctx.addIssue({ code: 'custom', message: reasonOf(error) })
    }
  })

/** The `cookie` section. */
export const cookieSchema = z.strictObject({
  name: z.string({ error: 'must be a cookie name such as "sid"' }).default(COOKIE_DEFAULTS.name),
  path: z.string({ error: "must be a path starting with '/'" }).default(COOKIE_DEFAULTS.path),
  domain,
  httpOnly: flag(COOKIE_DEFAULTS.httpOnly),
  secure: flag(COOKIE_DEFAULTS.secure),
  sameSite: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.toLowerCase() : value),
      z.enum(['lax', 'strict', 'none'], { error: "must be 'lax', 'strict' or 'none'" }),
    )
    .default(COOKIE_DEFAULTS.sameSite),
  partitioned: flag(COOKIE_DEFAULTS.partitioned),
  persistent: flag(COOKIE_DEFAULTS.persistent),
  hostPrefix: flag(COOKIE_DEFAULTS.hostPrefix),
})

const COOKIE_FALLBACK = cookieSchema.parse({})

/** The whole file (and the environment merged over it). */
export const configSchema = z
  .strictObject({
    store,
    secrets,
    lifetime: duration(MANAGER_DEFAULTS.lifetime, true),
    idleTimeout: durationOrOff(MANAGER_DEFAULTS.idleTimeout, true),
    rolling: flag(MANAGER_DEFAULTS.rolling),
    touchAfter,
    lazy: flag(MANAGER_DEFAULTS.lazy),
    header,
    maxSessionsPerUser,
    cleanupInterval: durationOrOff(MANAGER_DEFAULTS.cleanupInterval, false),
    failOpen: flag(MANAGER_DEFAULTS.failOpen),
    cookie: cookieSchema.default(COOKIE_FALLBACK),
  })
  .superRefine((config, ctx) => {
    config.secrets.forEach((secret, index) => {
      try {
        new KeyRing([secret])
      } catch (error) {
        if (!(error instanceof InvalidConfigError)) throw error
        ctx.addIssue({ code: 'custom', path: ['secrets', index], message: reasonOf(error) })
      }
    })
    const { idleTimeout, touchAfter } = config
    if (
      typeof idleTimeout === 'number' &&
      typeof touchAfter === 'number' &&
      touchAfter >= idleTimeout
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['touchAfter'],
        message: 'must be shorter than idleTimeout',
      })
    }
    try {
      resolveCookieOptions({ ...config.cookie, domain: config.cookie.domain ?? undefined })
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error
      ctx.addIssue({ code: 'custom', path: error.field.split('.'), message: reasonOf(error) })
    }
  })

/** Setting names per section, for "unknown setting" messages. */
export const SETTING_NAMES: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(configSchema.shape),
  cookie: Object.keys(cookieSchema.shape),
}
