/**
 * The SESSIONKIT_* environment variables: which setting each one overrides and how its text is
 * read. Values are only converted here (text to number, boolean or list); the schema validates
 * them like file values, and errors name the variable rather than the setting.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'

/** How the text of a variable becomes a setting value. */
export type EnvKind = 'string' | 'list' | 'boolean' | 'integer' | 'duration'

/** One environment variable and the setting it overrides. */
export interface EnvSetting {
  /** The variable, e.g. `SESSIONKIT_LIFETIME`. */
  readonly name: string
  /** The setting's dotted path, e.g. `lifetime` or `cookie.sameSite`. */
  readonly path: string
  readonly kind: EnvKind
}

/** Every variable loadConfig reads (besides SESSIONKIT_CONFIG, which names the file). */
export const ENV_SETTINGS: readonly EnvSetting[] = [
  { name: 'SESSIONKIT_STORE', path: 'store', kind: 'string' },
  { name: 'SESSIONKIT_SECRETS', path: 'secrets', kind: 'list' },
  { name: 'SESSIONKIT_LIFETIME', path: 'lifetime', kind: 'duration' },
  { name: 'SESSIONKIT_IDLE_TIMEOUT', path: 'idleTimeout', kind: 'duration' },
  { name: 'SESSIONKIT_ROLLING', path: 'rolling', kind: 'boolean' },
  { name: 'SESSIONKIT_TOUCH_AFTER', path: 'touchAfter', kind: 'duration' },
  { name: 'SESSIONKIT_LAZY', path: 'lazy', kind: 'boolean' },
  { name: 'SESSIONKIT_HEADER', path: 'header', kind: 'string' },
  { name: 'SESSIONKIT_MAX_SESSIONS_PER_USER', path: 'maxSessionsPerUser', kind: 'integer' },
  { name: 'SESSIONKIT_CLEANUP_INTERVAL', path: 'cleanupInterval', kind: 'duration' },
  { name: 'SESSIONKIT_FAIL_OPEN', path: 'failOpen', kind: 'boolean' },
  { name: 'SESSIONKIT_COOKIE_NAME', path: 'cookie.name', kind: 'string' },
  { name: 'SESSIONKIT_COOKIE_PATH', path: 'cookie.path', kind: 'string' },
  { name: 'SESSIONKIT_COOKIE_DOMAIN', path: 'cookie.domain', kind: 'string' },
  { name: 'SESSIONKIT_COOKIE_SECURE', path: 'cookie.secure', kind: 'boolean' },
  { name: 'SESSIONKIT_COOKIE_HTTP_ONLY', path: 'cookie.httpOnly', kind: 'boolean' },
  { name: 'SESSIONKIT_COOKIE_SAME_SITE', path: 'cookie.sameSite', kind: 'string' },
  { name: 'SESSIONKIT_COOKIE_PARTITIONED', path: 'cookie.partitioned', kind: 'boolean' },
  { name: 'SESSIONKIT_COOKIE_PERSISTENT', path: 'cookie.persistent', kind: 'boolean' },
  { name: 'SESSIONKIT_COOKIE_HOST_PREFIX', path: 'cookie.hostPrefix', kind: 'boolean' },
]

/** The variable that names the configuration file. */
export const CONFIG_FILE_ENV = 'SESSIONKIT_CONFIG'

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** The environment as loadConfig reads it; `process.env` fits. */
export type Environment = Readonly<Record<string, string | undefined>>

/** Settings taken from the environment, and which variable set each of them. */
export interface EnvOverrides {
  /** A partial settings object (same shape as the file), ready to merge over the file's. */
  readonly values: Record<string, unknown>
  /** Dotted setting path to the variable that set it, for error messages. */
  readonly origins: ReadonlyMap<string, string>
}

function convert(setting: EnvSetting, text: string): unknown {
  switch (setting.kind) {
    case 'string':
      return text
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    case 'boolean': {
      const lower = text.toLowerCase()
      if (TRUE.has(lower)) return true
      if (FALSE.has(lower)) return false
      throw new InvalidConfigError(
        setting.name,
        'must be true or false (1/0, yes/no and on/off are accepted too)',
      )
    }
    case 'integer':
      // Anything else ("off", "abc") goes to the schema, which says what is allowed.
      return /^\d+$/.test(text) ? Number(text) : text
    case 'duration':
      return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : text
  }
}

function place(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.')
  if (head === undefined) return
  if (rest.length === 0) {
    target[head] = value
    return
  }
  const child = target[head]
  const nested: Record<string, unknown> =
    typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : {}
  target[head] = nested
  place(nested, rest.join('.'), value)
}

/**
 * The overrides the environment carries. An empty variable counts as unset, as container
 * platforms often define variables with empty values.
 * @throws InvalidConfigError naming the variable when a boolean is not recognisable.
 */
export function readEnvironment(env: Environment): EnvOverrides {
  const values: Record<string, unknown> = {}
  const origins = new Map<string, string>()
  for (const setting of ENV_SETTINGS) {
    const text = env[setting.name]?.trim()
    if (text === undefined || text === '') continue
    place(values, setting.path, convert(setting, text))
    origins.set(setting.path, setting.name)
  }
  return { values, origins }
}
