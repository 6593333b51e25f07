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

/** Runs a store call; anything that is not already a sessionkit error becomes a StoreError. */
export async function callStore<T>(
  storeName: string,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof SessionkitError) throw error
    throw new StoreError(storeName, `${operation} failed unexpectedly`, { cause: error })
  }
}
