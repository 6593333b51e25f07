/**
 * `req.session`: express-session's Session. The data are the object's own enumerable
 * properties (plus `cookie`, the Cookie); the methods are on the prototype, so they never show
 * in `Object.keys(req.session)` or in the stored JSON. sessionkit's extras (login, logout,
 * flash, devices) sit next to express-session's methods; a data key of the same name wins.
 * @module
 */

import type { DeviceSession } from '../../core/manager.js'
import type { LoginOptions } from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'
import type { FlashData } from '../express.js'
import type { Entry } from './backend.js'
import type { Cookie } from './cookie.js'
import { putData, type Snapshot, takeSnapshot } from './tracking.js'

/** A callback as express-session's methods take it: called with the error, or with nothing. */
export type SessionCallback = (err?: unknown) => void

/** The value type of flash key `K`: from {@link FlashData} when declared there, else unknown. */
export type FlashValue<K extends string> = K extends keyof FlashData ? FlashData[K] : unknown

/**
 * `req.session.flash`: with a value, keeps it for the next request; without, reads it once.
 * @example
 * req.session.flash('notice', 'Saved')  // POST
 * req.session.flash('notice')           // 'Saved' on the next request, undefined after
 */
export interface FlashFunction {
  <K extends string>(key: K): FlashValue<K> | undefined
  <K extends string>(key: K, value: FlashValue<K>): Session
}

/** What a Session's methods act through: the request context, or a store for a detached session. */
export interface SessionHost {
  regenerate(session: Session): Promise<void>
  destroy(session: Session): Promise<void>
  reload(session: Session): Promise<void>
  save(session: Session): Promise<void>
  login(session: Session, userId: string, options: LoginOptions): Promise<void>
  logout(session: Session): Promise<void>
  /** The app called `req.session.touch()`: the store's expiry is to move, touchAfter or not. */
  touched(session: Session): void
}

/** @internal */
export interface SessionInit {
  host: SessionHost
  entry: Entry
  data: Record<string, JsonValue>
  flashes: Map<string, JsonValue>
  cookie: Cookie
}

interface Internals {
  host: SessionHost
  entry: Entry
  flashes: Map<string, JsonValue>
  /**
   * One per session, so what connect-flash writes on it never reaches another session. Made on
   * first use: most requests never touch it.
   */
  flash: FlashFunction | undefined
}

// Set by Session's static block; private fields rather than WeakMaps, as every request makes one.
let peekInternals: (session: object) => Internals | undefined
/** The init the constructor may accept: only createSession makes sessions. */
let accepted: SessionInit | undefined

/** Members express-session's Session has; stored data under these names is not copied in. */
const RESERVED = new Set([
  'id',
  'req',
  'cookie',
  'regenerate',
  'destroy',
  'reload',
  'save',
  'touch',
  'resetMaxAge',
])

/** @internal True when req.session cannot hold `key` as data (express-session's own members). */
export function isReservedKey(key: string): boolean {
  return RESERVED.has(key)
}

/** @internal The hidden state of a session. */
export function internalsOf(session: object): Internals {
  const found = peekInternals(session)
  if (!found) throw new TypeError('sessionkit/express: not a session created by the middleware')
  return found
}

/** @internal Makes a Session (only the adapter does). */
export function createSession(init: SessionInit): Session {
  accepted = init
  try {
    return new Session(init)
  } finally {
    accepted = undefined
  }
}

/** @internal The session's data and flash values as JSON, key by key. */
export function snapshotOf(session: Session): Snapshot {
  const { flashes, flash } = internalsOf(session)
  return takeSnapshot(session, flashes, flash)
}

function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

function settle(promise: Promise<unknown>, callback: SessionCallback | undefined): void {
  // The callback runs outside the promise chain, so a throw in it surfaces as it would with
  // express-session instead of turning into a swallowed rejection.
  promise.then(
    () => callback && queueMicrotask(() => callback()),
    (error: unknown) => callback && queueMicrotask(() => callback(error)),
  )
}

function makeFlash(session: Session, flashes: Map<string, JsonValue>): FlashFunction {
  function flash(key: string, ...value: unknown[]): unknown {
    if (value.length > 0) {
      const json = JSON.stringify(value[0])
      if (json === undefined) flashes.delete(key)
      else flashes.set(key, JSON.parse(json) as JsonValue)
      return session
    }
    const read = flashes.get(key)
    flashes.delete(key)
    return read
  }
  return flash as FlashFunction
}

/**
 * One visitor's session, as `req.session`. Assign, change and delete data as plain properties;
 * the middleware saves what changed before the response goes out.
 */
export class Session {
  /** The session's cookie; change `maxAge` to change this visitor's cookie. */
  declare cookie: Cookie

  readonly #internals: Internals

  static {
    peekInternals = (session) => (#internals in session ? session.#internals : undefined)
  }

  /** @internal Sessions are made by the middleware. */
  constructor(init: SessionInit) {
    if (accepted !== init || init === undefined)
      throw new TypeError('sessionkit/express: sessions are made by the middleware')
    accepted = undefined
    const flashes = init.flashes
    this.#internals = {
      host: init.host,
      entry: init.entry,
      flashes,
      flash: undefined,
    }
    this.cookie = init.cookie
    const data = init.data
    for (const key of Object.keys(data)) {
      // RESERVED holds every accessor without a setter (id), so an assignment cannot throw.
      if (!RESERVED.has(key)) putData(this, key, data[key])
    }
  }

  /** The session ID, as `req.sessionID`. Read-only; it changes on login, and regenerate makes a new session. */
  get id(): string {
    return internalsOf(this).entry.sid
  }

  /** Replaces the session with a new, empty one under a new ID; the old ID is dead. Then `req.session` is the new one. */
  regenerate(callback?: SessionCallback): this {
    settle(internalsOf(this).host.regenerate(this), callback)
    return this
  }

  /** Deletes the session from the store and unsets `req.session`. */
  destroy(callback?: SessionCallback): this {
    settle(internalsOf(this).host.destroy(this), callback)
    return this
  }

  /** Re-reads the session from the store; then `req.session` is a new object with the stored data. */
  reload(callback?: SessionCallback): this {
    settle(internalsOf(this).host.reload(this), callback)
    return this
  }

  /**
   * Saves the session now (the middleware also does at the end of the request when it changed).
   * Only the keys that changed are written, so a concurrent request's changes are kept.
   */
  save(callback?: SessionCallback): this {
    settle(internalsOf(this).host.save(this), callback)
    return this
  }

  /**
   * Resets `cookie.maxAge` to `cookie.originalMaxAge` (the middleware does it on every request).
   * Called by the app, it also moves the session's expiry in the store at the end of the
   * request, even within `touchAfter`, as express-session's touch would.
   */
  touch(): this {
    internalsOf(this).host.touched(this)
    return this.resetMaxAge()
  }

  /** Resets `cookie.maxAge` to `cookie.originalMaxAge`. */
  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge
    return this
  }

  // sessionkit extras.

  /**
   * Binds the session to a user under a new ID (against fixation), keeping its data. The old
   * ID is dead when this resolves. With a sessionkit store the absolute lifetime restarts and
   * the session shows in the user's {@link devices}.
   */
  async login(userId: string, options: LoginOptions = {}): Promise<void> {
    await internalsOf(this).host.login(this, userId, options)
  }

  /** Deletes the session; `req.session` becomes a new, empty session (so a flash message can follow). */
  async logout(): Promise<void> {
    await internalsOf(this).host.logout(this)
  }

  /** The user bound by {@link login}, or null. */
  boundUserId(): string | null {
    return internalsOf(this).entry.userId()
  }

  /** Flash messages: `flash(key, value)` keeps a value for the next request, `flash(key)` reads it once. */
  get flash(): FlashFunction {
    const internals = internalsOf(this)
    internals.flash ??= makeFlash(this, internals.flashes)
    return internals.flash
  }

  /** Assigning `flash` makes it a data property, as it was with express-session (connect-flash does this). */
  set flash(value: unknown) {
    defineData(this, 'flash', value)
  }

  /** The bound user's live sessions (one per device), newest activity first; [] when nobody is logged in. */
  async devices(): Promise<DeviceSession[]> {
    return internalsOf(this).entry.devices()
  }

  /** Ends one of the bound user's sessions by its device handle; false when it is not theirs. */
  async revokeDevice(handle: string): Promise<boolean> {
    return internalsOf(this).entry.revokeDevice(handle)
  }

  /** Ends every session of the bound user but this one ("log out my other devices"); how many ended. */
  async revokeOtherDevices(): Promise<number> {
    return internalsOf(this).entry.revokeOtherDevices()
  }
}
