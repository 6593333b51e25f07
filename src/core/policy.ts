/**
 * Expiry policy and store-call wrapping shared by the manager's server-side and sealed flows.
 * @module
 */
import { SessionkitError, StoreError } from './errors.js'
import type { ResolvedManagerOptions } from './options.js'
import type { SessionState } from './session.js'
import type { SessionRecord } from './store.js'

type ExpiryOptions = Pick<ResolvedManagerOptions, 'lifetime' | 'idleTimeout'>

/** min(lastSeen + idleTimeout, createdAt + lifetime): the store's expiry and the cookie's. */
export function sessionDeadline(
  options: ExpiryOptions,
  createdAt: number,
  lastSeenAt: number,
): number {
  const absolute = createdAt + options.lifetime
  return options.idleTimeout === null
    ? absolute
    : Math.min(absolute, lastSeenAt + options.idleTimeout)
}

/** True when a record is past its stored expiry or past what the current policy allows. */
export function isPastDeadline(
  options: ExpiryOptions,
  record: SessionRecord,
  now: number,
): boolean {
  return (
    record.expiresAt <= now || sessionDeadline(options, record.createdAt, record.lastSeenAt) <= now
  )
}

/** True when a read should extend the idle deadline now (rolling, throttled by touchAfter). */
export function isTouchDue(
  options: Pick<ResolvedManagerOptions, 'rolling' | 'idleTimeout' | 'touchAfter'>,
  state: SessionState,
  now: number,
): boolean {
  return (
    state.touchPending ||
    (options.rolling &&
      options.idleTimeout !== null &&
      now - state.lastSeenAt >= options.touchAfter)
  )
}

/** The stored form of a session state. */
export function recordOf(state: SessionState): SessionRecord {
  return {
    data: state.data,
    ...state.meta,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    lastSeenAt: state.lastSeenAt,
    expiresAt: state.expiresAt,
  }
}

/** What a store call's failure becomes: a sessionkit error as it is, anything else a StoreError. */
export function asStoreError(
  storeName: string,
  operation: string,
  error: unknown,
): SessionkitError {
  if (error instanceof SessionkitError) return error
  return new StoreError(storeName, `${operation} failed unexpectedly`, { cause: error })
}

/**
 * Runs `run`; whatever it throws or rejects with comes back as a rejection with `toError` of it.
 * Not an async function: it wraps every store call of every request, and an async wrapper
 * around the store's promise costs a promise and two microtask turns more.
 */
export function mapRejection<T>(
  run: () => Promise<T>,
  toError: (error: unknown) => Error,
): Promise<T> {
  let pending: Promise<T>
  try {
    pending = run()
  } catch (error) {
    return Promise.reject(toError(error))
  }
  return Promise.resolve(pending).then(undefined, (error: unknown) => {
    throw toError(error)
  })
}

/**
 * What `run` returns or throws, as a promise: for the public, promise-returning faces of the
 * functions that answer synchronously where they can (SessionManager.loadNow and the adapters').
 */
export function promised<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    const result = run()
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Runs a store call; anything that is not already a sessionkit error becomes a StoreError. */
export function callStore<T>(
  storeName: string,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  return mapRejection(run, (error) => asStoreError(storeName, operation, error))
}
