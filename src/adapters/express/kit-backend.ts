/**
 * The back end for sessionkit stores: every save goes through the core SessionManager, so the
 * store sees only hashed IDs, a save is an atomic patch of the changed keys, a session
 * destroyed or revoked meanwhile is never written back, and login, devices and revocation work.
 *
 * The manager is the adapter's own. It signs nothing that leaves the process: the cookie is
 * express-session's, signed with the app's secrets by the adapter. A sessionkit-issued ID,
 * verified by that signature, goes to the manager's `loadVerified`, so the core's load path
 * (expiry checks, events) serves it unchanged. The core refuses IDs of any other shape before
 * they reach a store; the IDs express-session issued (and `genid`'s) are loaded by
 * `#loadForeign` under hashId(id), the key `sessionkit migrate` writes imported sessions under.
 * @module
 */
import { InvalidSessionDataError } from '../../core/errors.js'
import { hashId, isWellFormedId } from '../../core/ids.js'
import type { DeviceSession, SessionManager } from '../../core/manager.js'
import { callStore, isPastDeadline, isTouchDue } from '../../core/policy.js'
import {
  adoptSnapshot,
  type Session as CoreSession,
  createSession,
  FLASH_PREFIX,
  type LoginOptions,
  loadedState,
  type SessionState,
  sameSnapshots,
  stateOf,
} from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'
import type { Backend, Entry, LoadedSession, RequestMeta } from './backend.js'
import type { CompatStore } from './compat-store.js'
import type { Cookie, CookieData, CookieInit } from './cookie.js'
import { isReservedKey } from './session.js'
import { COOKIE_KEY, putData, type Snapshot } from './tracking.js'
import { once } from './warn.js'

type Manager = SessionManager<Record<string, JsonValue>, Record<string, JsonValue>>
type Core = CoreSession<Record<string, JsonValue>, Record<string, JsonValue>>

/**
 * The cookie settings kept with a session, under its `cookie` key as express-session keeps them,
 * so a per-visitor `maxAge` ("remember me") survives. `expires` is left out: the record's own
 * expiry is the truth, and leaving it out keeps an unchanged session from being rewritten.
 */
function durableCookie(cookie: Cookie): Omit<CookieData, 'expires'> {
  const { expires: _, ...settings } = cookie.data
  return settings
}

/**
 * A session's own deadline from its stored `cookie.maxAge`, as express-session's stores expire
 * each session by its own cookie: a session given a shorter maxAge than the policy ends with
 * it. Counted from lastSeenAt, which moves as the core's idle deadline does (on changes, and on
 * reads with `rolling`). Null for a browser-session cookie.
 */
function ownDeadline(state: SessionState, stored: CookieInit | null): number | null {
  const maxAge = stored?.originalMaxAge
  return typeof maxAge === 'number' ? state.lastSeenAt + maxAge : null
}

function storedCookie(core: Core): CookieInit | null {
  const value = core.get(COOKIE_KEY)
  return isObject(value) ? (value as CookieInit) : null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A per-visitor maxAge longer than the store policy ("remember me" for 30 days, with an idle
 * timeout of a day) cannot outlive the policy: the cookie would, the session would not.
 */
function warnPastPolicy(manager: Manager, cookie: Cookie): void {
  const maxAge = cookie.originalMaxAge
  const { idleTimeout, lifetime } = manager.options
  if (maxAge === null || !Number.isFinite(maxAge)) return
  if (maxAge <= (idleTimeout ?? lifetime) && maxAge <= lifetime) return
  once(
    'maxage-past-policy',
    `req.session.cookie.maxAge (${maxAge} ms) is longer than the store policy (idleTimeout ${idleTimeout} ms, lifetime ${lifetime} ms), so such sessions end before their cookie; set the idleTimeout option to your longest maxAge`,
    'Warning',
  )
}

class KitEntry implements Entry {
  sid: string
  readonly #manager: Manager
  readonly #core: Core
  /** The core's data has been rewritten from req.session (and may differ from its snapshot). */
  #synced = false

  constructor(manager: Manager, core: Core, sid: string) {
    this.#manager = manager
    this.#core = core
    this.sid = sid
  }

  get stored(): boolean {
    return !this.#core.isNew
  }

  /** The session as express-session would have stored it: data, flash values, cookie. */
  loaded(): LoadedSession {
    const state = stateOf(this.#core)
    const data: Record<string, JsonValue> = {}
    // What req.session's snapshot will be: the core's JSON of the same values, less what
    // req.session does not hold (the cookie, express-session's own member names).
    const snapshot: Snapshot = new Map()
    let stored: CookieInit | null = null
    // Flash values stay in the core's data too: the save rewrites them from req.session's pending ones.
    for (const key of Object.keys(state.data)) {
      const value = state.data[key] as JsonValue
      if (key === COOKIE_KEY) {
        stored = isObject(value) ? (value as CookieInit) : null
        continue
      }
      putData(data, key, value)
      const json = state.snapshot.get(key)
      if (json !== undefined && (key.startsWith(FLASH_PREFIX) || !isReservedKey(key))) {
        snapshot.set(key, json)
      }
    }
    const deadline = ownDeadline(state, stored)
    const cookie =
      stored === null
        ? null
        : {
            ...stored,
            expires: deadline === null ? null : new Date(Math.min(deadline, state.expiresAt)),
          }
    // The core's snapshot is only that JSON when nothing changed the data since it was taken.
    const fresh = state.version === state.committedVersion
    return fresh ? { entry: this, data, cookie, snapshot } : { entry: this, data, cookie }
  }

  /**
   * True when req.session holds exactly what the core session was loaded or last saved with
   * (cookie settings included): then there is nothing to sync and nothing to write.
   */
  #inSync(snapshot: Snapshot, cookie: Cookie): boolean {
    const base = stateOf(this.#core).snapshot
    if (snapshot.size !== base.size - 1) return false
    for (const [key, json] of snapshot) if (base.get(key) !== json) return false
    return this.#storedCookieJson(cookie) !== undefined
  }

  /**
   * The stored JSON of the cookie settings when `cookie` has the same ones (compared field by
   * field: a store may hand the object back with its keys in another order, as PostgreSQL's
   * jsonb does); undefined when they differ or none are stored.
   */
  #storedCookieJson(cookie: Cookie): string | undefined {
    const state = stateOf(this.#core)
    const storedJson = state.snapshot.get(COOKIE_KEY)
    if (storedJson === undefined) return undefined
    // Until the first sync the core's data is what the snapshot was taken from: no need to parse it.
    const stored: unknown = this.#synced ? JSON.parse(storedJson) : state.data[COOKIE_KEY]
    return isObject(stored) && cookie.sameSettings(stored) ? storedJson : undefined
  }

  /**
   * What the core session's data must become: req.session's data and flash values as the
   * snapshot serialized them, and the cookie settings. The manager writes only the keys whose
   * JSON differs from what is stored.
   */
  #coreJson(snapshot: Snapshot, cookie: Cookie): Map<string, string> {
    // The core's rule for data keys; `__flash:` keys are the pending flash values.
    if (snapshot.has('')) throw new InvalidSessionDataError('', 'keys must be non-empty strings')
    const json = new Map(snapshot)
    json.set(COOKIE_KEY, this.#cookieJson(cookie))
    this.#synced = true
    return json
  }

  /**
   * The cookie settings' JSON: the stored text when they did not change, so that an unchanged
   * cookie is never rewritten because its stored keys came back in another order.
   */
  #cookieJson(cookie: Cookie): string {
    return this.#storedCookieJson(cookie) ?? JSON.stringify(durableCookie(cookie))
  }

  /** Not an async function: see the manager's #commit (a throw comes back as a rejection). */
  save(snapshot: Snapshot, cookie: Cookie): Promise<boolean> {
    try {
      warnPastPolicy(this.#manager, cookie)
      const json = this.#coreJson(snapshot, cookie)
      // express-session rewrote the whole session here, which also moved its expiry; a refresh
      // moves the expiry without rewriting anything.
      if (sameSnapshots(stateOf(this.#core).snapshot, json)) this.#manager.refresh(this.#core)
      return this.#manager.commitJson(this.#core, json).then(() => !this.#core.isDestroyed)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  touchWrites(snapshot: Snapshot, cookie: Cookie): boolean {
    const state = stateOf(this.#core)
    // A read within touchAfter: nothing changed and the expiry need not move, so no store call.
    return (
      state.isNew ||
      state.cleared ||
      isTouchDue(this.#manager.options, state, this.#manager.now()) ||
      !this.#inSync(snapshot, cookie)
    )
  }

  async touch(snapshot: Snapshot, cookie: Cookie): Promise<boolean> {
    if (!this.touchWrites(snapshot, cookie)) return true
    await this.#manager.commitJson(this.#core, this.#coreJson(snapshot, cookie))
    return !this.#core.isDestroyed
  }

  refresh(): void {
    this.#manager.refresh(this.#core)
  }

  async destroy(): Promise<void> {
    await this.#manager.destroy(this.#core)
  }

  async reload(): Promise<LoadedSession | null> {
    if (this.#core.isNew) return null
    await this.#manager.reload(this.#core)
    return this.#core.isNew ? null : this.loaded()
  }

  async login(
    userId: string,
    options: LoginOptions,
    snapshot: Snapshot,
    cookie: Cookie,
  ): Promise<void> {
    adoptSnapshot(stateOf(this.#core), this.#coreJson(snapshot, cookie))
    // The manager issues the new ID: a sessionkit ID, whatever genid would have made.
    await this.#manager.login(this.#core, userId, options)
    this.sid = this.#core.id
  }

  userId(): string | null {
    return this.#core.userId
  }

  async devices(): Promise<DeviceSession[]> {
    const userId = this.#core.userId
    return userId === null ? [] : this.#manager.listUserSessions(userId, { current: this.#core })
  }

  async revokeDevice(handle: string): Promise<boolean> {
    const userId = this.#core.userId
    return userId === null ? false : this.#manager.revokeUserSession(userId, handle)
  }

  async revokeOtherDevices(): Promise<number> {
    const userId = this.#core.userId
    return userId === null ? 0 : this.#manager.revokeUserSessions(userId, { except: this.#core })
  }
}

/** See the module comment. */
export class KitBackend implements Backend {
  readonly manager: Manager
  readonly sessionStore: CompatStore

  constructor(manager: Manager, sessionStore: CompatStore) {
    this.manager = manager
    this.sessionStore = sessionStore
  }

  async load(sid: string, meta: RequestMeta): Promise<LoadedSession | null> {
    // The cookie's signature was checked by the middleware. The manager never adopts an unknown
    // or expired ID: it hands back a new session instead.
    const core = isWellFormedId(sid)
      ? await this.manager.loadVerified(sid, meta)
      : await this.#loadForeign(sid)
    if (core === null || core.isNew) return null
    const deadline = ownDeadline(stateOf(core), storedCookie(core))
    // Past its own maxAge: gone, as it would be from an express-session store. The record goes
    // at its policy expiry (or the store's cleanup); nothing can load it before then.
    if (deadline !== null && deadline <= this.manager.now()) return null
    return new KitEntry(this.manager, core, sid).loaded()
  }

  /**
   * An ID of another shape, already verified by the cookie signature: read under hashId(id) with
   * the manager's expiry policy. Unlike the core's path, an expired record is left to the
   * store's cleanup rather than deleted here (and no `expired` event is emitted).
   */
  async #loadForeign(sid: string): Promise<Core | null> {
    const manager = this.manager
    const store = manager.store
    const key = hashId(sid)
    const now = manager.now()
    const record = await callStore(store.name, 'get', () => store.get(key, now))
    if (record === null || isPastDeadline(manager.options, record, now)) return null
    return createSession<Record<string, JsonValue>, Record<string, JsonValue>>(
      manager,
      loadedState(sid, key, record),
    )
  }

  async create(meta: RequestMeta, sid: string | undefined): Promise<Entry> {
    const core = await this.manager.load(meta)
    if (sid === undefined) return new KitEntry(this.manager, core, core.id)
    // The `genid` option's ID, set before the session is ever stored, as the core's own
    // regenerate does for a new session.
    Object.assign(stateOf(core), { id: sid, key: hashId(sid) })
    return new KitEntry(this.manager, core, sid)
  }
}
