/**
 * Opening the `--from` of a migration: a legacy express-session store by its URL, or any
 * sessionkit store URL.
 * @module
 */

import { InvalidConfigError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import { connectPgSimpleSource } from './connect-pg-simple.js'
import { connectRedisSource } from './connect-redis.js'
import type { LegacyOptions } from './legacy.js'
import { parseLegacyUrl } from './legacy-url.js'
import { type MigrationSource, storeSource } from './source.js'

/** The source `url` names. Legacy options apply to legacy sources only. */
export async function openSource(
  ctx: CliContext,
  url: string,
  options: LegacyOptions,
): Promise<MigrationSource> {
  const legacy = parseLegacyUrl(url)
  if (legacy === null) {
    if (options.userField !== undefined || options.defaultTtlMs !== undefined) {
      throw new InvalidConfigError(
        'from',
        '--user-field and --default-ttl apply to connect-redis:// and connect-pg-simple:// sources only',
      )
    }
    const store = ctx.openStore(url, { mustExist: true })
    try {
      return storeSource(store)
    } catch (error) {
      await store.close().catch(() => {})
      throw error
    }
  }
  return legacy.kind === 'connect-redis'
    ? connectRedisSource(legacy, options)
    : connectPgSimpleSource(legacy, options)
}
