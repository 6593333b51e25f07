/**
 * Where the Express adapter's sessions live. Two back ends share this shape: sessionkit stores
 * through the core SessionManager (kit-backend.ts), and express-session-compatible callback
 * stores such as connect-redis (callback-backend.ts). The request logic (context.ts) decides
 * what to save and which cookie to send, exactly as express-session does; a back end only
 * loads, saves and deletes.
 * @module
 */
import type { DeviceSession } from '../../core/manager.js'
import type { LoginOptions } from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'
import type { Cookie, CookieInit } from './cookie.js'
import type { Store } from './store.js'
import type { Snapshot } from './tracking.js'

/** What a back end learns about the request it creates or loads a session for. */
export interface RequestMeta {
  ip: string | null
  userAgent: string | null
}

/** A session read from the store. */
export interface LoadedSession {
  entry: Entry
  /** Stored data: plain keys and `__flash:` keys, never the cookie. */
  data: Record<string, JsonValue>
  /** The cookie stored with the session (express-session's shape), or null when there is none. */
  cookie: CookieInit | null
  /**
   * The JSON of each key of `data` as req.session will hold it, when the back end has it
   * already (it then need not be taken again from the new req.session).
   */
  snapshot?: Snapshot
}

/** One session of a back end. Its ID changes on login; regenerate and logout make a new entry. */
export interface Entry {
  /** The ID in the cookie (`req.sessionID`). */
  readonly sid: string
  /** True once the session is in the store. */
  readonly stored: boolean
  /**
   * Writes the session: inserted when new, otherwise only the keys that changed since it was
   * loaded or last saved. Resolves false, writing nothing, when the stored session is gone
   * (destroyed, revoked or expired meanwhile): a save never brings a session back.
   */
  save(snapshot: Snapshot, cookie: Cookie): Promise<boolean>
  /**
   * False when {@link touch} would make no store call (its expiry need not move yet and nothing
   * else is to be written), so the commit can finish without waiting for one.
   */
  touchWrites(snapshot: Snapshot, cookie: Cookie): boolean
  /** Tells the store the session is in use (its expiry moves). False when it is gone. */
  touch(snapshot: Snapshot, cookie: Cookie): Promise<boolean>
  /** The next touch moves the expiry even where it need not move yet (the app asked). */
  refresh(): void
  /** Removes the session from the store. */
  destroy(): Promise<void>
  /** The session as stored now, or null when it is not in the store. */
  reload(): Promise<LoadedSession | null>
  /**
   * Binds the session to a user under a new ID (the old one is dead when this resolves), keeping
   * the data in `snapshot`. `nextSid` is the `genid` option's ID where the back end takes one.
   */
  login(
    userId: string,
    options: LoginOptions,
    snapshot: Snapshot,
    cookie: Cookie,
    nextSid: string | undefined,
  ): Promise<void>
  /** The user bound by login, or null. */
  userId(): string | null
  devices(): Promise<DeviceSession[]>
  revokeDevice(handle: string): Promise<boolean>
  revokeOtherDevices(): Promise<number>
}

/** A back end: the store behind one `session()` middleware. */
export interface Backend {
  /** What `req.sessionStore` is: always the express-session callback API. */
  readonly sessionStore: Store
  /** The stored session under `sid`, or null when there is none (or it expired). */
  load(sid: string, meta: RequestMeta): Promise<LoadedSession | null>
  /** A new session, not stored yet. `sid` comes from the `genid` option; undefined: the back end's own. */
  create(meta: RequestMeta, sid: string | undefined): Promise<Entry>
}
