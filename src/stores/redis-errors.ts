/**
 * Translating Redis client errors into sessionkit's.
 * Messages name the operation and the error's code only: never a key, a value or a URL.
 * @module
 */

import { SessionkitError, StoreError, StoreUnavailableError } from '../core/errors.js'

const NAME = 'redis'

/**
 * Server replies that mean "not now": the dataset is loading, a script is running too long, a
 * replica lost its master, the cluster is re-sharding or failing over. They pass by themselves,
 * so callers get StoreUnavailableError (a 503, then a retry). Any other reply (WRONGTYPE, OOM,
 * NOPERM, an unknown command on an old server…) is a StoreError: Redis answered, and retrying
 * will not help.
 */
const UNAVAILABLE_REPLIES = new Set([
  'LOADING',
  'BUSY',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'READONLY',
  'MOVED',
  'ASK',
])

/** Class names of a server's error reply: ioredis's, node-redis 4's, node-redis 5+'s. */
const REPLY_ERROR_NAMES = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError'])

function field(error: unknown, name: string): string | undefined {
  if (typeof error !== 'object' || error === null || !(name in error)) return undefined
  const value = (error as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** The reply's error code (`NOSCRIPT`, `WRONGTYPE`…) when `error` is an error reply from Redis. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const className = error.constructor?.name
  if (!REPLY_ERROR_NAMES.has(error.name) && !REPLY_ERROR_NAMES.has(className)) return undefined
  return /^([A-Z][A-Z_-]*)\b/.exec(error.message)?.[1]
}

/** True when EVALSHA failed because the server does not have the script cached (yet). */
export function isNoScript(error: unknown): boolean {
  return replyCode(error) === 'NOSCRIPT'
}

/**
 * The sessionkit error for a failure during `operation`. Anything that is not an error reply
 * (a refused or reset connection, a closed or offline client, a timeout, a cluster that cannot
 * refresh its slots) means Redis could not be reached: StoreUnavailableError.
 */
export function toStoreError(operation: string, error: unknown): SessionkitError {
  if (error instanceof SessionkitError) return error
  const code = replyCode(error)
  if (code !== undefined) {
    const message = `${operation} failed with ${code}`
    return UNAVAILABLE_REPLIES.has(code)
      ? new StoreUnavailableError(NAME, message, { cause: error })
      : new StoreError(NAME, message, { cause: error })
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return new StoreError(NAME, `${operation} failed`, { cause: error })
  }
  const reason = field(error, 'code') ?? (error instanceof Error ? error.name : 'an unknown error')
  return new StoreUnavailableError(NAME, `${operation} failed (${reason})`, { cause: error })
}
