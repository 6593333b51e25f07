/**
 * The back end for express-session-compatible stores (connect-redis, connect-pg-simple,
 * express-session's MemoryStore, any class extending Store). The session ID is the store key,
 * as the ecosystem expects (`sess:<sid>` in Redis, the `sid` column in PostgreSQL), and a
 * session is stored in express-session's shape: `{ cookie, ...data }`.
 *
 * No lost updates, as far as the callback API allows: a save of a stored session re-reads it,
 * applies only the keys this request changed or removed, and writes the result. Saves of one
 * session from this process are serialized, so they never clobber each other. Across
 * processes, two saves can still interleave between one's `get` and its `set` (a window of
 * one store round trip); only a store with atomic updates (a sessionkit store) closes it.
 * @module
 */

import { CapabilityUnsupportedError } from '../../core/errors.js'
import { generateId, hashId } from '../../core/ids.js'
import type { DeviceSession } from '../../core/manager.js'
import { dataOf, diffSnapshots, type LoginOptions, snapshotOf } from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'
import type { Backend, Entry, LoadedSession, RequestMeta } from './backend.js'
import type { Cookie, CookieInit } from './cookie.js'
import { KeyedLock } from './lock.js'
import { type CallbackStore, call, type Store, type StoredSession } from './store.js'
import type { Snapshot } from './tracking.js'

/** Where sessionkit keeps its own fields in an express-session-shaped session (login, devices). */
export const META_KEY = '__sessionkit'

/** What login stores next to the data. */
interface Meta {
  userId: string
  tenantId: string | null
  createdAt: number
  lastSeenAt: number
  ip: string | null
  userAgent: string | null
}

/** The latest representable Date: "no expiry" for a device listing, which needs a Date. */
const NO_EXPIRY = 8.64e15

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function metaOf(value: unknown): Meta | null {
  if (!isRecord(value) || typeof value.userId !== 'string') return null
  const text = (field: unknown) => (typeof field === 'string' ? field : null)
  const time = (field: unknown) => (typeof field === 'number' ? field : 0)
  return {
    userId: value.userId,
    tenantId: text(value.tenantId),
    createdAt: time(value.createdAt),
    lastSeenAt: time(value.lastSeenAt),
    ip: text(value.ip),
    userAgent: text(value.userAgent),
  }
}

/** A stored session split into its data (a plain JSON copy), its cookie and sessionkit's fields. */
function split(stored: Record<string, unknown>) {
  const { cookie, [META_KEY]: meta, ...rest } = stored
  const data = JSON.parse(JSON.stringify(rest)) as Record<string, JsonValue>
  return { data, cookie: isRecord(cookie) ? (cookie as CookieInit) : null, meta: metaOf(meta) }
}

async function getStored(
  store: CallbackStore,
  sid: string,
): Promise<Record<string, unknown> | null> {
  try {
    const found = await call<unknown>((callback) => store.get(sid, callback))
    return isRecord(found) ? found : null
  } catch (error) {
    // express-session: "A special case is made when error.code === 'ENOENT' to act like callback(null, null)."
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return null
    throw error
  }
}

class CallbackEntry implements Entry {
  sid: string
  stored: boolean
  readonly #backend: CallbackBackend
  readonly #request: RequestMeta
  /** The stored data as this request last read or wrote it: the base of the next merge. */
  #baseline: Snapshot
  #meta: Meta | null

  constructor(
    backend: CallbackBackend,
    request: RequestMeta,
    init: { sid: string; stored: boolean; baseline: Snapshot; meta: Meta | null },
  ) {
    this.#backend = backend
    this.#request = request
    this.sid = init.sid
    this.stored = init.stored
    this.#baseline = init.baseline
    this.#meta = init.meta
  }

  get #store(): CallbackStore {
    return this.#backend.store
  }

  #full(snapshot: Snapshot, cookie: Cookie): StoredSession {
    const session: Record<string, unknown> = { cookie, ...dataOf(snapshot) }
    if (this.#meta) session[META_KEY] = { ...this.#meta, lastSeenAt: Date.now() }
    return session as unknown as StoredSession
  }

  async save(snapshot: Snapshot, cookie: Cookie): Promise<boolean> {
    if (!this.stored) {
      await this.#set(this.sid, this.#full(snapshot, cookie))
      this.stored = true
      this.#baseline = snapshot
      return true
    }
    const sid = this.sid
    return this.#backend.lock.run(sid, async () => {
      const current = await getStored(this.#store, sid)
      if (current === null) return false
      const { set, removed } = diffSnapshots(this.#baseline, snapshot)
      const { cookie: _, ...rest } = current
      const merged: Record<string, unknown> = { cookie, ...rest }
      for (const [key, value] of Object.entries(set)) {
        Object.defineProperty(merged, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      for (const key of removed) delete merged[key]
      if (this.#meta) merged[META_KEY] = { ...this.#meta, lastSeenAt: Date.now() }
      await this.#set(sid, merged as unknown as StoredSession)
      this.#baseline = snapshot
      return true
    })
  }

  refresh(): void {
    // A callback store is touched on every request already.
  }

  touchWrites(): boolean {
    // express-session touches a callback store on every request; so does this.
    return typeof this.#store.touch === 'function'
  }

  async touch(snapshot: Snapshot, cookie: Cookie): Promise<boolean> {
    const store = this.#store
    if (typeof store.touch !== 'function') return true
    const session = this.#full(snapshot, cookie)
    await call((callback) => store.touch?.(this.sid, session, callback))
    return true
  }

  async destroy(): Promise<void> {
    await call((callback) => this.#store.destroy(this.sid, callback))
    this.stored = false
  }

  async reload(): Promise<LoadedSession | null> {
    if (!this.stored) return null
    const current = await getStored(this.#store, this.sid)
    if (current === null) return null
    const { data, cookie, meta } = split(current)
    this.#baseline = snapshotOf(data)
    this.#meta = meta
    return { entry: this, data, cookie }
  }

  async login(
    userId: string,
    options: LoginOptions,
    snapshot: Snapshot,
    cookie: Cookie,
    nextSid: string | undefined,
  ): Promise<void> {
    const now = Date.now()
    this.#meta = {
      userId,
      tenantId: options.tenantId ?? null,
      createdAt: now,
      lastSeenAt: now,
      ip: this.#request.ip,
      userAgent: this.#request.userAgent,
    }
    const previous = this.stored ? this.sid : null
    const sid = nextSid ?? generateId()
    // Insert under the new ID first, then kill the old one: the old ID is dead when this resolves.
    await this.#set(sid, this.#full(snapshot, cookie))
    this.sid = sid
    this.stored = true
    this.#baseline = snapshot
    if (previous !== null) await call((callback) => this.#store.destroy(previous, callback))
  }

  userId(): string | null {
    return this.#meta?.userId ?? null
  }

  async devices(): Promise<DeviceSession[]> {
    const userId = this.userId()
    if (userId === null) return []
    const sessions = await this.#userSessions(userId)
    return sessions
      .map(({ sid, meta, expires }) => ({
        handle: hashId(sid),
        userId,
        tenantId: meta.tenantId,
        ip: meta.ip,
        userAgent: meta.userAgent,
        createdAt: new Date(meta.createdAt),
        lastSeenAt: new Date(meta.lastSeenAt),
        expiresAt: new Date(expires ?? NO_EXPIRY),
        current: sid === this.sid,
      }))
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
  }

  async revokeDevice(handle: string): Promise<boolean> {
    const userId = this.userId()
    if (userId === null) return false
    const target = (await this.#userSessions(userId)).find(({ sid }) => hashId(sid) === handle)
    if (!target) return false
    await call((callback) => this.#store.destroy(target.sid, callback))
    return true
  }

  async revokeOtherDevices(): Promise<number> {
    const userId = this.userId()
    if (userId === null) return 0
    let revoked = 0
    for (const { sid } of await this.#userSessions(userId)) {
      if (sid === this.sid) continue
      await call((callback) => this.#store.destroy(sid, callback))
      revoked++
    }
    return revoked
  }

  /** The user's sessions, by scanning `all()`: the callback API has no by-user index. */
  async #userSessions(userId: string) {
    const store = this.#store
    if (typeof store.all !== 'function') {
      throw new CapabilityUnsupportedError(
        'express-session store',
        'listing sessions by user (it has no all())',
      )
    }
    // An array (connect-redis puts each session's ID in `id`) or an object keyed by ID.
    const all = await call<unknown>((callback) => store.all?.(callback))
    const entries: Array<[string, unknown]> = Array.isArray(all)
      ? all.map((session: unknown) => [
          String(isRecord(session) ? (session.id ?? '') : ''),
          session,
        ])
      : Object.entries(isRecord(all) ? all : {})
    const found: Array<{ sid: string; meta: Meta; expires: number | null }> = []
    for (const [sid, session] of entries) {
      if (sid === '' || !isRecord(session)) continue
      const meta = metaOf(session[META_KEY])
      if (meta?.userId !== userId) continue
      const cookie = isRecord(session.cookie) ? session.cookie : {}
      const expires = cookie.expires ? new Date(String(cookie.expires)).getTime() : Number.NaN
      found.push({ sid, meta, expires: Number.isNaN(expires) ? null : expires })
    }
    return found
  }

  #set(sid: string, session: StoredSession): Promise<unknown> {
    return call((callback) => this.#store.set(sid, session, callback))
  }
}

/** See the module comment. */
export class CallbackBackend implements Backend {
  readonly store: CallbackStore
  readonly lock = new KeyedLock()

  constructor(store: CallbackStore) {
    this.store = store
  }

  get sessionStore(): Store {
    // The user's store is what req.sessionStore has always been; it may not extend our Store.
    return this.store as Store
  }

  async load(sid: string, meta: RequestMeta): Promise<LoadedSession | null> {
    const stored = await getStored(this.store, sid)
    return stored === null ? null : this.adopt(sid, stored, meta)
  }

  /** A session the caller already read from the store (express-session's Store#createSession). */
  adopt(sid: string, stored: Record<string, unknown>, meta: RequestMeta): LoadedSession {
    const { data, cookie, meta: bound } = split(stored)
    const entry = new CallbackEntry(this, meta, {
      sid,
      stored: true,
      baseline: snapshotOf(data),
      meta: bound,
    })
    return { entry, data, cookie }
  }

  async create(meta: RequestMeta, sid: string | undefined): Promise<Entry> {
    return new CallbackEntry(this, meta, {
      sid: sid ?? generateId(),
      stored: false,
      baseline: new Map(),
      meta: null,
    })
  }
}
