/**
 * Loading the optional drivers a legacy source needs, only when it is used.
 * @module
 */

import { createRequire } from 'node:module'
import { MissingDependencyError } from '../../core/errors.js'

const require = createRequire(import.meta.url)

/** The ioredis module, or MissingDependencyError. */
export function loadIoredis(): typeof import('ioredis') {
  try {
    return require('ioredis') as typeof import('ioredis')
  } catch (error) {
    throw new MissingDependencyError('ioredis', 'migrating from connect-redis', { cause: error })
  }
}

/** The pg module, or MissingDependencyError. */
export function loadPg(): typeof import('pg') {
  try {
    return require('pg') as typeof import('pg')
  } catch (error) {
    throw new MissingDependencyError('pg', 'migrating from connect-pg-simple', { cause: error })
  }
}

/** A driver error's code (ECONNREFUSED, 28P01…) for messages that must not carry more. */
export function driverCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error
    if (typeof code === 'string' || typeof code === 'number') return String(code)
  }
  return error instanceof Error ? error.name : 'unknown error'
}
