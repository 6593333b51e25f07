/**
 * The SessionManager every sessionkit adapter variant uses (not sessionkit/express, which
 * takes express-session's options): the run's secret, a day of idle timeout as the peers'
 * cookie maxAge, insecure cookies on plain HTTP, everything else at its default (touchAfter
 * 1m, lazy).
 * @module
 */
import { SessionManager } from '../../../src/core/manager.js'
import type { Backend, RunSettings } from '../backends/types.js'

export function benchManager(backend: Backend, settings: RunSettings): SessionManager {
  if (backend.kind !== 'sessionkit') {
    throw new Error(`a sessionkit adapter needs a sessionkit store, not ${backend.kind}`)
  }
  return new SessionManager({
    store: backend.store,
    secrets: [settings.secret],
    idleTimeout: '24h',
    cookie: { secure: false },
  })
}

/** The count as the routes answer it. */
export function countOf(value: unknown): number {
  return typeof value === 'number' ? value : 0
}

/**
 * The part of a session the routes use. sessionkit's Session and @fastify/session's both have
 * `get(key)` and `set(key, value)`, so one set of routes serves both.
 */
export interface SessionLike {
  get(key: string): unknown
  set(key: string, value: number): void
}

/** The floor's session data (bench/floor/sessions.ts) behind the routes' get and set. */
export function floorSessionLike(data: Record<string, unknown>): SessionLike {
  return {
    get: (key) => data[key],
    set: (key, value) => {
      data[key] = value
    },
  }
}
