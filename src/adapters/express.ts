/**
 * `sessionkit/express`: a drop-in replacement for express-session. Same options, same defaults,
 * same `req.session` API, same store contract (connect-redis, connect-pg-simple and the rest
 * keep working), and it reads the cookies express-session signed, so moving signs nobody out.
 * What changes: concurrent requests that change different keys all keep their change, the
 * session is saved before the response goes out, and on a sessionkit store IDs are hashed at
 * rest and login, devices and revocation come built in. See docs/migrating-from-express-session.md.
 *
 * @example
 * import express from 'express'
 * import session from 'sessionkit/express'   // was: from 'express-session'
 *
 * const app = express()
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }))
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1
 *   res.send(`views: ${req.session.views}`)
 * })
 * @module
 */
import type { RequestHandler } from 'express'
import { CompatStore, MemoryStore } from './express/compat-store.js'
import { Cookie } from './express/cookie.js'
import { session as createSessionMiddleware } from './express/middleware.js'
import type { SessionOptions } from './express/options.js'
import { Session } from './express/session.js'
import { Store } from './express/store.js'

export type { DeviceSession } from '../core/manager.js'
export type { LoginOptions } from '../core/session.js'
export type { MemoryStoreOptions } from '../stores/memory.js'
export { CompatStore, isSessionkitStore, MemoryStore } from './express/compat-store.js'
export type { CookieData, CookieInit, CookieOptions } from './express/cookie.js'
export { Cookie } from './express/cookie.js'
export { storeKeyFor } from './express/ids.js'
export type { SessionOptions } from './express/options.js'
export type { FlashFunction, FlashValue, SessionCallback } from './express/session.js'
export { Session } from './express/session.js'
export type { ExpressSecret } from './express/signature.js'
export type { CallbackStore, StoreCallback, StoredSession } from './express/store.js'
export { isCallbackStore, Store } from './express/store.js'
export type { ErrorContext } from './shared.js'

/**
 * The session's data. Declare your keys by merging into it, as with @types/express-session:
 * @example
 * declare module 'sessionkit/express' {
 *   interface SessionData { views: number; user: { id: string } }
 * }
 * // req.session.views is then number | undefined
 */
export interface SessionData {
  cookie: Cookie
}

/**
 * The types of flash values by key, for `req.session.flash(key)`. Merge into it like SessionData;
 * undeclared keys are `unknown`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface apps extend by declaration merging
export interface FlashData {}

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * This request's session (set by the `session()` middleware). Its data are plain
     * properties, typed through {@link SessionData}.
     */
    session: Session & Partial<SessionData>
    /** This request's session ID (the one in the cookie). */
    sessionID: string
    /** The store in use, with express-session's callback API. */
    sessionStore: Store
  }
}

/** `session()` with express-session's constructors on it (`session.Store`, `session.MemoryStore` …). */
export interface SessionMiddlewareFactory {
  (options?: SessionOptions): RequestHandler
  /** The base class of express-session stores (for `class MyStore extends session.Store`). */
  Store: typeof Store
  /** sessionkit's in-memory store with express-session's API. */
  MemoryStore: typeof MemoryStore
  Cookie: typeof Cookie
  Session: typeof Session
  /** A sessionkit store behind express-session's store API. */
  CompatStore: typeof CompatStore
}

/**
 * Creates the session middleware. It carries `Store`, `MemoryStore`, `Cookie` and `Session`
 * as express-session's export does, so `require('connect-pg-simple')(session)` and
 * `class MyStore extends session.Store` keep working.
 */
export const session: SessionMiddlewareFactory = Object.assign(
  (options?: SessionOptions) => createSessionMiddleware(options),
  { Store, MemoryStore, Cookie, Session, CompatStore },
)

export default session
