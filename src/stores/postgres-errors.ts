/**
 * Translating pg's errors into sessionkit's. Kept apart from the store so the store reads as
 * SQL and nothing else.
 * @module
 */

import { SessionkitError, StoreError, StoreUnavailableError } from '../core/errors.js'

/** The store's name in errors and logs. */
export const POSTGRES_STORE_NAME = 'postgres'

/**
 * Our own timeout, for the waits pg does not bound by itself (a connection from a pool the
 * caller configured without `connectionTimeoutMillis`).
 */
export class PostgresTimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PostgresTimeoutError'
  }
}

function field(error: unknown, name: string): string | undefined {
  if (typeof error !== 'object' || error === null || !(name in error)) return undefined
  const value = (error as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

const SQLSTATE = /^[0-9A-Z]{5}$/

/**
 * The SQLSTATE of an error the server sent, or undefined for anything else (a socket error, a
 * pg client error). pg's DatabaseError always has a severity; Node's `EPIPE` would otherwise
 * pass for a SQLSTATE.
 */
export function sqlState(error: unknown): string | undefined {
  const code = field(error, 'code')
  if (code === undefined || !SQLSTATE.test(code) || field(error, 'severity') === undefined) {
    return undefined
  }
  return code
}

/**
 * SQLSTATEs that mean "not now" rather than "never": the connection failed (08), the server is
 * out of connections or memory (53), the statement was cancelled by `statement_timeout` or the
 * server is shutting down (57), a lock could not be had (55P03), or the transaction lost a
 * deadlock or serialization race (40). A retry can succeed, so callers get
 * StoreUnavailableError (a 503). Everything else the server says (a missing table, a
 * permission, a bad value) is a StoreError: retrying will not help.
 */
function isTransientState(state: string): boolean {
  return ['08', '53', '57', '40'].includes(state.slice(0, 2)) || state === '55P03'
}

/**
 * pg's own errors carry no code, only a message: "Connection terminated unexpectedly",
 * "timeout exceeded when trying to connect", "Query read timeout", "Client has encountered a
 * connection error and is not queryable", "Cannot use a pool after calling end on the pool"…
 */
const CONNECTION_MESSAGE =
  /connection|terminated|timeout|timed out|not queryable|after calling end|ssl|socket/i

/** Node's system error codes: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EPIPE… */
const SYSTEM_CODE = /^E[A-Z]+$/

/**
 * The sessionkit error for a failure during `operation`. Messages name the operation and the
 * SQLSTATE or system code only, never a key, a value, SQL text or the connection URL (the
 * server's own message can quote a value); the driver's error is the cause.
 */
export function toPostgresError(operation: string, error: unknown): SessionkitError {
  if (error instanceof SessionkitError) return error
  const state = sqlState(error)
  if (state !== undefined) {
    const message = `${operation} failed with SQLSTATE ${state}`
    return isTransientState(state)
      ? new StoreUnavailableError(POSTGRES_STORE_NAME, message, { cause: error })
      : new StoreError(POSTGRES_STORE_NAME, message, { cause: error })
  }
  const code = field(error, 'code')
  if (code !== undefined && SYSTEM_CODE.test(code)) {
    return new StoreUnavailableError(
      POSTGRES_STORE_NAME,
      `${operation}: the server could not be reached (${code})`,
      { cause: error },
    )
  }
  if (error instanceof PostgresTimeoutError) {
    return new StoreUnavailableError(POSTGRES_STORE_NAME, `${operation}: ${error.message}`, {
      cause: error,
    })
  }
  if (error instanceof Error && CONNECTION_MESSAGE.test(error.message)) {
    return new StoreUnavailableError(
      POSTGRES_STORE_NAME,
      `${operation}: the connection failed or the server did not answer in time`,
      { cause: error },
    )
  }
  return new StoreError(POSTGRES_STORE_NAME, `${operation} failed`, { cause: error })
}
