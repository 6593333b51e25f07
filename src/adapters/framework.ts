/**
 * What the framework adapters (fastify, hono, koa) share on top of shared.ts: reading node's
 * header object, and the error they hand to the framework's own error handling when the store
 * fails. Unlike the node and fetch adapters, which answer failures themselves, these let the
 * framework answer, so an app's error handler (setErrorHandler, app.onError, an upstream Koa
 * middleware) sees them.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import {
  InvalidConfigError,
  type SessionkitErrorCode,
  StoreError,
  StoreUnavailableError,
} from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import { failureReply, type HeaderReader } from './shared.js'

/** A header reader over node's lower-cased header object; repeated headers come joined. */
export function nodeHeaderReader(headers: IncomingHttpHeaders): HeaderReader {
  return (name) => {
    const value = headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * Checks at registration, not at the first request, that the adapter was given a manager.
 * Duck-typed, so a manager from another copy of sessionkit still counts.
 */
export function assertManager(manager: unknown, usage: string): void {
  const candidate = manager as Partial<Record<keyof SessionManager, unknown>> | null | undefined
  if (typeof candidate?.load !== 'function' || typeof candidate.commit !== 'function') {
    throw new InvalidConfigError('manager', `must be a SessionManager: ${usage}`)
  }
}

/** True for the failures a client may retry: the store was down or failed, nothing half-written. */
export function isStoreFailure(error: unknown): error is StoreUnavailableError | StoreError {
  return error instanceof StoreUnavailableError || error instanceof StoreError
}

/**
 * Thrown into the framework's error handling when the session store fails while loading or
 * committing a session. It carries what each framework's default error handler reads: status
 * 503, `Retry-After: 5` and `Cache-Control: no-store` in `headers`, and `expose` (Koa then sends
 * the message as the body). The store's own error is the `cause`, and `code` is its code, so an
 * error handler can match either.
 *
 * @example
 * fastify.setErrorHandler((error, request, reply) => {
 *   if (error instanceof SessionHttpError) return reply.code(503).send('Try again shortly')
 *   …
 * })
 */
export class SessionHttpError extends Error {
  override readonly name = 'SessionHttpError'
  /** The HTTP status: 503, for every store failure. */
  readonly status = 503
  /** The same status under the name Fastify reads. */
  readonly statusCode = 503
  /** The message is safe to show: it names no session, cookie or store detail. */
  readonly expose = true
  /** Response headers the framework's default error handler sets. */
  readonly headers: Readonly<Record<string, string>>
  /** The code of the store error, e.g. `SESSIONKIT_STORE_UNAVAILABLE`. */
  readonly code: SessionkitErrorCode

  constructor(cause: StoreUnavailableError | StoreError) {
    const reply = failureReply(cause)
    super(reply.body.trim(), { cause })
    this.code = cause.code
    this.headers = {
      'retry-after': reply.headers['retry-after'] ?? '5',
      'cache-control': 'no-store',
    }
  }
}

/**
 * The error to hand to the framework: a {@link SessionHttpError} for a store failure; anything
 * else (a bug, an invalid value at commit) as it is, which frameworks answer with 500.
 */
export function frameworkError(error: unknown): unknown {
  return isStoreFailure(error) ? new SessionHttpError(error) : error
}
