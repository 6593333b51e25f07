/**
 * Loading a Redis library lazily and synchronously (createRequire), so that importing sessionkit
 * never needs one and `openStore` (synchronous) can build a Redis store. ioredis and redis are
 * optional peer dependencies.
 * @module
 */

import { createRequire } from 'node:module'
import {
  InvalidConfigError,
  MissingDependencyError,
  StoreUnavailableError,
} from '../core/errors.js'

/** The ioredis module, as `require('ioredis')` returns it. */
export type IoredisModule = typeof import('ioredis')
/** The node-redis module, as `require('redis')` returns it. */
export type NodeRedisModule = typeof import('redis')

/** The two libraries the store can open connections with. */
export type RedisDriverName = 'ioredis' | 'redis'

/** A loaded library, tagged with its name. */
export type LoadedDriver =
  | { readonly name: 'ioredis'; readonly module: IoredisModule }
  | { readonly name: 'redis'; readonly module: NodeRedisModule }

/** A synchronous module loader (a `require`); tests pass one that fails. */
export type ModuleLoader = (id: string) => unknown

const FEATURE = 'the Redis store'

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}

function isMissing(error: unknown, id: string): boolean {
  // A MODULE_NOT_FOUND for a dependency *of* the package is a broken install, not a missing one.
  return (
    errorCode(error) === 'MODULE_NOT_FOUND' &&
    error instanceof Error &&
    error.message.includes(`'${id}'`)
  )
}

function tryLoad(load: ModuleLoader, id: RedisDriverName): LoadedDriver | null {
  try {
    const module = load(id)
    return id === 'ioredis'
      ? { name: id, module: module as IoredisModule }
      : { name: id, module: module as NodeRedisModule }
  } catch (error) {
    if (isMissing(error, id)) return null
    throw new StoreUnavailableError('redis', `${id} could not be loaded`, { cause: error })
  }
}

/**
 * The library to open connections with: `preferred` when given, otherwise ioredis when it is
 * installed, otherwise redis (node-redis). Throws MissingDependencyError naming the package
 * to install.
 */
export function loadRedisDriver(
  preferred: RedisDriverName | undefined,
  load: ModuleLoader = createRequire(import.meta.url),
): LoadedDriver {
  if (preferred !== undefined && preferred !== 'ioredis' && preferred !== 'redis') {
    throw new InvalidConfigError('driver', "must be 'ioredis' or 'redis'")
  }
  const candidates: RedisDriverName[] = preferred ? [preferred] : ['ioredis', 'redis']
  for (const id of candidates) {
    const driver = tryLoad(load, id)
    if (driver !== null) return driver
  }
  throw new MissingDependencyError(preferred ?? 'ioredis', FEATURE)
}
