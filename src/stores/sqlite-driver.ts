/**
 * Loading better-sqlite3 and translating its errors into sessionkit's. Kept apart from the
 * store so the store reads as SQL and nothing else.
 * @module
 */

import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import {
  MissingDependencyError,
  SessionkitError,
  StoreError,
  StoreUnavailableError,
} from '../core/errors.js'

/** The better-sqlite3 `Database` constructor. */
export type SqliteDatabaseConstructor = typeof BetterSqlite3

/** A better-sqlite3 database connection. */
export type SqliteDatabase = BetterSqlite3.Database

const STORE_NAME = 'sqlite'

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const { code } = error
  return typeof code === 'string' ? code : undefined
}

/**
 * Loads better-sqlite3 synchronously, on first use only, so that importing sessionkit never
 * needs the optional peer and a store can still be built synchronously (openStore is sync).
 */
export function loadBetterSqlite3(): SqliteDatabaseConstructor {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as SqliteDatabaseConstructor
  } catch (error) {
    if (errorCode(error) === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError('better-sqlite3', 'the SQLite store', { cause: error })
    }
    throw new StoreUnavailableError(STORE_NAME, 'better-sqlite3 could not be loaded', {
      cause: error,
    })
  }
}

/**
 * Primary result codes that mean "the database cannot be reached right now": another process
 * holds the lock past busy_timeout, the file cannot be opened, or the disk failed to answer.
 * They may pass by themselves, so callers get StoreUnavailableError (a 503, then a retry).
 * Everything else (SQLITE_FULL, SQLITE_CORRUPT, SQLITE_READONLY, constraint failures…) is a
 * StoreError: the engine answered, and retrying will not help.
 */
const UNAVAILABLE_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
])

/** `SQLITE_IOERR_WRITE` → `SQLITE_IOERR`. */
function primaryCode(code: string): string {
  const [prefix, primary] = code.split('_')
  return `${prefix}_${primary}`
}

/**
 * The sessionkit error for a failure during `operation`. The message names only the operation
 * and SQLite's result code, never a key, a value or SQL text; the driver's error is the cause.
 */
export function toStoreError(operation: string, error: unknown): SessionkitError {
  if (error instanceof SessionkitError) return error
  const code = errorCode(error)
  if (code?.startsWith('SQLITE_')) {
    const message = `${operation} failed with ${code}`
    return UNAVAILABLE_CODES.has(primaryCode(code))
      ? new StoreUnavailableError(STORE_NAME, message, { cause: error })
      : new StoreError(STORE_NAME, message, { cause: error })
  }
  if (error instanceof TypeError && /not open/i.test(error.message)) {
    // better-sqlite3 throws a TypeError when the caller's own connection was closed under us.
    return new StoreUnavailableError(
      STORE_NAME,
      `${operation}: the database connection is closed`,
      {
        cause: error,
      },
    )
  }
  return new StoreError(STORE_NAME, `${operation} failed`, { cause: error })
}
