/**
 * express-session's store contract: the callback API every store of that ecosystem implements
 * (connect-redis, connect-pg-simple, connect-mongo …), and the `Store` base class they extend.
 *
 * | method    | express-session calls it | here                                          |
 * | --------- | ------------------------ | --------------------------------------------- |
 * | `get`     | required                 | loads a session; re-read before every save    |
 * | `set`     | required                 | inserts, and writes a merge of changed keys   |
 * | `destroy` | required                 | destroy, regenerate, logout, unset: 'destroy' |
 * | `touch`   | recommended              | an unchanged session's expiry moves           |
 * | `all`     | optional                 | devices (by-user listing), when present       |
 * | `length`, `clear` | optional         | never called by the middleware                |
 * @module
 */
import { EventEmitter } from 'node:events'
import type { SessionData } from '../express.js'
import { detachedSession } from './detached.js'
import { Session } from './session.js'

/** A callback as stores take it: `(err)` or `(err, value)`. */
export type StoreCallback<T = void> = (err?: unknown, value?: T) => void

/** A session as stores see it: the data as plain properties, plus `cookie`. */
export type StoredSession = SessionData

/**
 * Any express-session-compatible store: an object with the callback API, whether it extends
 * express-session's Store, this module's {@link Store}, or neither. Sessions are `unknown`
 * here so that stores typed against @types/express-session's SessionData (connect-redis,
 * connect-pg-simple) are accepted as they are.
 */
export interface CallbackStore {
  get(sid: string, callback: (err: unknown, session?: unknown) => void): unknown
  set(sid: string, session: unknown, callback?: (err?: unknown) => void): unknown
  destroy(sid: string, callback?: (err?: unknown) => void): unknown
  touch?(sid: string, session: unknown, callback?: (err?: unknown) => void): unknown
  all?(callback: (err: unknown, sessions?: unknown) => void): unknown
  length?(callback: (err: unknown, length?: number) => void): unknown
  clear?(callback?: (err?: unknown) => void): unknown
  on?(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * Follows a store's `'disconnect'` and `'connect'` events, as express-session does: while the
 * store says it is disconnected, requests are served without a session.
 */
export function watchReadiness(store: CallbackStore): () => boolean {
  let ready = true
  if (typeof store.on === 'function') {
    store.on('disconnect', () => {
      ready = false
    })
    store.on('connect', () => {
      ready = true
    })
  }
  return () => ready
}

/** True for an object with express-session's required store methods. */
export function isCallbackStore(value: unknown): value is CallbackStore {
  if (typeof value !== 'object' || value === null) return false
  const store = value as Record<string, unknown>
  return ['get', 'set', 'destroy'].every((method) => typeof store[method] === 'function')
}

/**
 * The base class of express-session stores: an EventEmitter with `get`, `set` and `destroy`
 * (required), `touch` (recommended), `all`, `length` and `clear` (optional). A store extends it
 * exactly as it extends express-session's Store, and may emit `'disconnect'` and `'connect'`:
 * while disconnected, requests get no session (as with express-session).
 *
 * @example
 * class MyStore extends Store {
 *   get(sid, callback) { … callback(null, session ?? null) }
 *   set(sid, session, callback) { … callback?.() }
 *   destroy(sid, callback) { … callback?.() }
 * }
 */
abstract class StoreBase extends EventEmitter implements CallbackStore {
  /** Calls back with the session stored under `sid`, or with null/undefined when there is none. */
  abstract get(sid: string, callback: (err: unknown, session?: StoredSession | null) => void): void
  /** Inserts or replaces the session under `sid`. */
  abstract set(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void
  /** Deletes the session under `sid`; a missing one is not an error. */
  abstract destroy(sid: string, callback?: (err?: unknown) => void): void
  /** Moves the expiry of the session under `sid` (its `cookie.expires` says until when). */
  touch?(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void
  /** Every session, as an array or keyed by ID. */
  all?(
    callback: (
      err: unknown,
      sessions?: StoredSession[] | { [sid: string]: StoredSession } | null,
    ) => void,
  ): void
  /** How many sessions there are. */
  length?(callback: (err: unknown, length?: number) => void): void
  /** Deletes every session. */
  clear?(callback?: (err?: unknown) => void): void

  /** Regenerates the request's session (as `req.session.regenerate(callback)`). */
  regenerate(req: { session?: unknown }, callback: (err?: unknown) => void): void {
    const session = req.session
    if (session instanceof Session) session.regenerate(callback)
    else callback(new Error('sessionkit/express: the request has no session'))
  }

  /** Calls back with the Session stored under `sid` (usable outside a request), or with nothing. */
  load(
    sid: string,
    callback: (err: unknown, session?: Session & Partial<SessionData>) => void,
  ): void {
    this.get(sid, (err, stored) => {
      if (err) return callback(err)
      if (!stored) return callback(null)
      callback(null, this.createSession({ sessionID: sid }, stored))
    })
  }

  /** A Session made from `stored` (a session as this store returns it), put on `req.session`. */
  createSession(
    req: { sessionID: string; session?: unknown },
    stored: StoredSession,
  ): Session & Partial<SessionData> {
    const session = detachedSession(this, req.sessionID, stored)
    req.session = session
    return session
  }
}

/**
 * At run time a plain function, as express-session's Store is: stores written before classes
 * (`util.inherits(MyStore, Store)` with `Store.call(this)` in their constructor) work as well as
 * `class MyStore extends Store`. Its prototype is StoreBase's, so both kinds get `regenerate`,
 * `load` and `createSession`, and `instanceof Store` holds for both.
 */
function StoreFunction(this: EventEmitter): void {
  EventEmitter.call(this)
}
StoreFunction.prototype = StoreBase.prototype
Object.defineProperty(StoreBase.prototype, 'constructor', {
  value: StoreFunction,
  writable: true,
  configurable: true,
})
Object.setPrototypeOf(StoreFunction, EventEmitter)

export const Store = StoreFunction as unknown as typeof StoreBase
export type Store = StoreBase

/**
 * Calls a callback-API method and resolves with what it calls back. Stores that also return a
 * promise (connect-redis 9) may settle both ways; the first answer wins.
 */
export function call<T>(
  run: (callback: (err?: unknown, value?: T) => void) => unknown,
): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let settled = false
    const callback = (err?: unknown, value?: T) => {
      if (settled) return
      settled = true
      if (err) reject(err)
      else resolve(value)
    }
    try {
      const returned = run(callback)
      // A returned promise's rejection must not go unhandled.
      if (returned instanceof Promise) returned.catch((error: unknown) => callback(error))
    } catch (error) {
      callback(error)
    }
  })
}
