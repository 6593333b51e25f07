/**
 * createFromConfig: a SessionManager from a loaded configuration, its store opened from the
 * configured URL.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import { SessionManager } from '../core/manager.js'
import type { SessionManagerOptions } from '../core/options.js'
import type { SessionData } from '../core/session.js'
import type { JsonValue } from '../core/store.js'
import { openStore } from '../stores/open-store.js'
import { loadConfig } from './load.js'
import type { SessionkitConfig } from './schema.js'

/**
 * The manager options a configuration stands for, without the store. Options the file cannot
 * express (`skip`, `clock`) are left to their defaults.
 */
export function managerOptionsFrom(config: SessionkitConfig): Omit<SessionManagerOptions, 'store'> {
  const { cookie } = config
  return {
    secrets: config.secrets,
    lifetime: config.lifetime,
    idleTimeout: config.idleTimeout,
    rolling: config.rolling,
    ...(config.touchAfter === undefined ? {} : { touchAfter: config.touchAfter }),
    lazy: config.lazy,
    header: config.header,
    maxSessionsPerUser: config.maxSessionsPerUser,
    cleanupInterval: config.cleanupInterval,
    failOpen: config.failOpen,
    cookie: {
      name: cookie.name,
      path: cookie.path,
      ...(cookie.domain === null ? {} : { domain: cookie.domain }),
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned,
      persistent: cookie.persistent,
      hostPrefix: cookie.hostPrefix,
    },
  }
}

/**
 * A SessionManager built from a configuration (by default the one {@link loadConfig} finds),
 * its store opened with `openStore(config.store)`. `overrides` win over the configuration:
 * pass a `store` you built yourself, or options a file cannot hold (`skip`, `clock`).
 *
 * @throws InvalidConfigError when no secret is configured, or a setting is refused; the store
 * opened here is closed again before the error is thrown.
 * @example
 * ```ts
 * import { createFromConfig } from 'sessionkit'
 * const sessions = createFromConfig<{ cart: string[] }>() // sessionkit.config.yaml + SESSIONKIT_*
 * ```
 */
export function createFromConfig<
  Data extends SessionData = Record<string, JsonValue>,
  Flash extends SessionData = Record<string, JsonValue>,
>(
  config: SessionkitConfig = loadConfig(),
  overrides: Partial<SessionManagerOptions> = {},
): SessionManager<Data, Flash> {
  if (config.secrets.length === 0 && overrides.secrets === undefined) {
    throw new InvalidConfigError(
      'secrets',
      'no secret is configured: set SESSIONKIT_SECRETS or `secrets` in sessionkit.config.yaml (generate one with `npx sessionkit keygen`)',
    )
  }
  const store = overrides.store ?? openStore(config.store)
  try {
    return new SessionManager<Data, Flash>({ ...managerOptionsFrom(config), ...overrides, store })
  } catch (error) {
    if (overrides.store === undefined) {
      // The error below is what matters; a failing close must not replace it.
      store.close().catch(() => {})
    }
    throw error
  }
}
