/**
 * Loading mysql2 and translating its errors into sessionkit's. Kept apart from the store so
 * the store reads as SQL and nothing else.
 * @module
 */

import { createRequire } from 'node:module'
import type * as Mysql2 from 'mysql2/promise'
import {
  MissingDependencyError,
  SessionkitError,
  StoreError,
  StoreUnavailableError,
} from '../core/errors.js'

/** The `mysql2/promise` module. */
export type Mysql2Module = typeof Mysql2

/** A mysql2 promise pool, as `createPool` from `mysql2/promise` returns it. */
export type MysqlPool = Mysql2.Pool

/** A connection taken from a {@link MysqlPool}. */
export type MysqlPoolConnection = Mysql2.PoolConnection

/** The store's name in errors and logs. */
export const STORE_NAME = 'mysql'

function stringProperty(error: unknown, name: string): string | undefined {
  if (typeof error !== 'object' || error === null || !(name in error)) return undefined
  const value: unknown = (error as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** The driver's or the operating system's error code, e.g. `ECONNREFUSED`, `ER_LOCK_DEADLOCK`. */
export function errorCode(error: unknown): string | undefined {
  return stringProperty(error, 'code')
}

/**
 * Loads `mysql2/promise` synchronously, on first use only, so that importing sessionkit never
 * needs the optional peer and openStore (which is synchronous) can still build the store.
 */
export function loadMysql2(): Mysql2Module {
  try {
    return createRequire(import.meta.url)('mysql2/promise') as Mysql2Module
  } catch (error) {
    if (errorCode(error) === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError('mysql2', 'the MySQL store', { cause: error })
    }
    throw new StoreUnavailableError(STORE_NAME, 'mysql2 could not be loaded', { cause: error })
  }
}

/**
 * Codes that mean "the server cannot be reached, or cannot answer right now". They pass by
 * themselves (a restart, a failover, a full connection table, a lock held too long), so callers
 * get StoreUnavailableError: adapters answer 503 and the next request tries again.
 */
const UNAVAILABLE_CODES = new Set([
  // The network and the operating system.
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2's own.
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_HANDSHAKE_TWICE',
  // The server: too busy, shutting down, killed our connection, or read-only during a failover.
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_OUT_OF_RESOURCES',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_SHUTDOWN_COMPLETE',
  'ER_SERVER_OFFLINE_MODE',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_ABORTING_CONNECTION',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_HOST_IS_BLOCKED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_STATEMENT_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
])

/** mysql2 rejects with these (no code) once a pool or connection is closed under us. */
const CLOSED_MESSAGES = [/pool is closed/i, /closed state/i, /connection is closed/i]

/** True when `error` says the server is unreachable or cannot answer now. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true
  const code = errorCode(error)
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { fatal?: unknown }).fatal === true
  ) {
    return true
  }
  const message = error instanceof Error ? error.message : ''
  return CLOSED_MESSAGES.some((pattern) => pattern.test(message))
}

/** Server errors that end the statement but leave the session usable (after a rollback). */
const RETRYABLE_SQL_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
])

/** True for a deadlock: InnoDB rolled the transaction back, and running it again is safe. */
export function isDeadlock(error: unknown): boolean {
  return errorCode(error) === 'ER_LOCK_DEADLOCK'
}

/**
 * True when the connection that produced `error` must not go back to the pool: anything but
 * an ordinary SQL error the server reported (those carry an SQLSTATE and leave the session
 * usable) or one of sessionkit's own refusals. A connection whose statement timed out still
 * has that statement in flight; one of a read-only (failed-over) server would keep failing.
 */
export function mustDiscardConnection(error: unknown): boolean {
  if (error instanceof SessionkitError) return error instanceof StoreUnavailableError
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { fatal?: unknown }).fatal === true
  ) {
    return true
  }
  if (stringProperty(error, 'sqlState') === undefined) return true
  const code = errorCode(error)
  return isUnavailable(error) && (code === undefined || !RETRYABLE_SQL_CODES.has(code))
}

/**
 * The sessionkit error for a failure during `operation`. The message names only the operation
 * and the driver's code, never a key, a value, SQL text or the connection URL (which may carry
 * a password); the driver's error is the cause.
 */
export function toStoreError(operation: string, error: unknown): SessionkitError {
  if (error instanceof SessionkitError) return error
  const code = errorCode(error)
  const message = code === undefined ? `${operation} failed` : `${operation} failed with ${code}`
  return isUnavailable(error)
    ? new StoreUnavailableError(STORE_NAME, message, { cause: error })
    : new StoreError(STORE_NAME, message, { cause: error })
}
