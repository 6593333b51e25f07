/**
 * A sessionkit store behind express-session's callback API. It is what `req.sessionStore` is
 * when the middleware runs on a sessionkit store, so code that calls `req.sessionStore.get(sid,
 * cb)` or `.destroy(sid, cb)` keeps working, and it is what `MemoryStore` from
 * `sessionkit/express` is: sessionkit's in-memory store, usable as express-session's.
 *
 * The store still sees only hashed keys ({@link storeKeyFor}). So `all()` cannot key sessions
 * by their IDs as express-session's MemoryStore does: it keys them by store key (the device
 * handle), which no one can turn back into a usable ID.
 * @module
 */
import { CapabilityUnsupportedError, InvalidConfigError } from '../../core/errors.js'
import type { SessionManager } from '../../core/manager.js'
import { sessionDeadline } from '../../core/policy.js'
import { isSealedCookieBackend } from '../../core/sealed.js'
import type {
  JsonObject,
  JsonValue,
  Store as SessionkitStore,
  SessionRecord,
} from '../../core/store.js'
import {
  type MemoryStoreOptions,
  MemoryStore as SessionkitMemoryStore,
} from '../../stores/memory.js'
import { storeKeyFor } from './ids.js'
import { Store, type StoredSession } from './store.js'
import { COOKIE_KEY } from './tracking.js'

/** How long a session written through `set()` lives when it says nothing and no middleware set a policy. */
const UNBOUND_TTL = 24 * 60 * 60 * 1000

const CALLBACK_METHODS = ['get', 'set', 'destroy', 'touch'] as const

/** True for a sessionkit store (the promise-based contract with patch), as opposed to a callback store. */
export function isSessionkitStore(value: unknown): value is SessionkitStore {
  if (typeof value !== 'object' || value === null) return false
  const store = value as Record<string, unknown>
  return (
    ['get', 'set', 'patch', 'touch', 'destroy', 'close'].every(
      (method) => typeof store[method] === 'function',
    ) && typeof store.capabilities === 'object'
  )
}

function answer<T>(
  promise: Promise<T>,
  callback: ((err: unknown, value?: T) => void) | undefined,
): void {
  if (callback === undefined) {
    promise.catch(() => {})
    return
  }
  // The callback runs outside the promise chain, as express-session's MemoryStore calls back
  // from setImmediate: an exception it throws is the app's, thrown where the app can see it,
  // not a swallowed rejection.
  promise.then(
    (value) => queueMicrotask(() => callback(null, value)),
    (error: unknown) => queueMicrotask(() => callback(error)),
  )
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A record in express-session's shape: the data, and a `cookie` whose `expires` is the record's. */
function expressShape(record: SessionRecord): StoredSession {
  const { [COOKIE_KEY]: stored, ...data } = record.data
  const cookie = isObject(stored)
    ? { ...stored }
    : { originalMaxAge: null, httpOnly: true, path: '/' }
  const persistent = typeof cookie.originalMaxAge === 'number'
  return {
    ...data,
    cookie: { ...cookie, expires: persistent ? new Date(record.expiresAt).toISOString() : null },
  } as unknown as StoredSession
}

function expiryOf(session: Record<string, unknown>, now: number): number | null {
  const cookie = isObject(session.cookie) ? session.cookie : {}
  const raw = cookie.expires
  const at =
    raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? Date.parse(raw) : Number.NaN
  return Number.isFinite(at) && at > now ? at : null
}

/**
 * express-session's store API over a sessionkit store. Pass it (or the sessionkit store itself)
 * as the `store` option; the middleware then runs on the sessionkit store with all of its
 * guarantees, and this object is `req.sessionStore`.
 */
export class CompatStore extends Store {
  /** The sessionkit store underneath. */
  readonly store: SessionkitStore
  #manager: SessionManager<Record<string, JsonValue>, Record<string, JsonValue>> | null = null

  constructor(store: SessionkitStore) {
    super()
    if (!isSessionkitStore(store)) {
      throw new InvalidConfigError('store', 'must be a sessionkit store, e.g. openStore(url)')
    }
    if (isSealedCookieBackend(store)) {
      throw new InvalidConfigError(
        'store',
        'the sealed cookie store keeps data in the cookie, which express-session apps do not expect; use a server-side store',
      )
    }
    this.store = store
  }

  /**
   * @internal True when get, set, destroy or touch were replaced on this instance or by a
   * subclass. The middleware then goes through the callback API, so what the replacement does
   * (logging, counting, failing on purpose in a test) happens as it did with express-session.
   */
  overridden(): boolean {
    return CALLBACK_METHODS.some((method) => this[method] !== CompatStore.prototype[method])
  }

  /** @internal The middleware's manager: its expiry policy applies to sessions written through set(). */
  attach(manager: SessionManager<Record<string, JsonValue>, Record<string, JsonValue>>): void {
    this.#manager ??= manager
  }

  #now(): number {
    return this.#manager?.now() ?? Date.now()
  }

  #deadline(createdAt: number, now: number): number {
    return this.#manager
      ? sessionDeadline(this.#manager.options, createdAt, now)
      : now + UNBOUND_TTL
  }

  get(sid: string, callback: (err: unknown, session?: StoredSession | null) => void): void {
    const now = this.#now()
    answer(
      this.store
        .get(storeKeyFor(sid), now)
        .then((record) => (record ? expressShape(record) : null)),
      callback,
    )
  }

  set(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void {
    answer(this.#set(sid, session), callback)
  }

  async #set(sid: string, session: StoredSession): Promise<void> {
    const now = this.#now()
    const key = storeKeyFor(sid)
    const plain = JSON.parse(JSON.stringify(session)) as Record<string, unknown>
    const { cookie, ...rest } = plain
    const data = rest as JsonObject
    if (isObject(cookie)) {
      const { expires: _, ...settings } = cookie
      data[COOKIE_KEY] = settings as JsonObject
    }
    const existing = await this.store.get(key, now)
    const createdAt = existing?.createdAt ?? now
    const record: SessionRecord = {
      data,
      userId: existing?.userId ?? null,
      tenantId: existing?.tenantId ?? null,
      ip: existing?.ip ?? null,
      userAgent: existing?.userAgent ?? null,
      createdAt,
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: expiryOf(plain, now) ?? this.#deadline(createdAt, now),
    }
    await this.store.set(key, record)
  }

  destroy(sid: string, callback?: (err?: unknown) => void): void {
    answer(this.store.destroy(storeKeyFor(sid)), callback)
  }

  override touch(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void {
    const now = this.#now()
    const key = storeKeyFor(sid)
    const run = async () => {
      const existing = await this.store.get(key, now)
      if (!existing) return
      const expiresAt =
        expiryOf(session as unknown as Record<string, unknown>, now) ??
        this.#deadline(existing.createdAt, now)
      await this.store.touch(key, { lastSeenAt: now, expiresAt }, now)
    }
    answer(run(), callback)
  }

  /** Every live session, keyed by store key (a hash: the IDs themselves are never stored). */
  override all(
    callback: (err: unknown, sessions?: { [key: string]: StoredSession } | null) => void,
  ): void {
    const run = async () => {
      const sessions: Record<string, StoredSession> = {}
      for await (const { key, record } of this.#entries()) sessions[key] = expressShape(record)
      return sessions
    }
    answer(run(), callback)
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    const run = async () => {
      let count = 0
      for await (const _ of this.#entries()) count++
      return count
    }
    answer(run(), callback)
  }

  override clear(callback?: (err?: unknown) => void): void {
    const run = async () => {
      const keys: string[] = []
      for await (const { key } of this.#entries()) keys.push(key)
      for (const key of keys) await this.store.destroy(key)
    }
    answer(run(), callback)
  }

  /** Closes the sessionkit store underneath. */
  async close(): Promise<void> {
    await this.store.close()
  }

  #entries() {
    const entries = this.store.entries?.bind(this.store)
    if (!this.store.capabilities.iterate || !entries) {
      throw new CapabilityUnsupportedError(this.store.name, 'listing every session (iterate)')
    }
    return entries(this.#now())
  }
}

/**
 * express-session's MemoryStore, made of sessionkit's: sessions in this process's memory, for
 * development and tests. Like express-session's, it is not for production (one process, lost
 * on restart), and the middleware warns when NODE_ENV is production.
 */
export class MemoryStore extends CompatStore {
  constructor(options?: MemoryStoreOptions) {
    super(new SessionkitMemoryStore(options))
  }
}
