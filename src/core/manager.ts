import { clearingCookie, readCookie, sessionCookie } from './cookies.js'
import { sign, unsign } from './crypto.js'
import {
  CapabilityUnsupportedError,
  InvalidConfigError,
  InvalidSessionDataError,
  StoreUnavailableError,
} from './errors.js'
import { SessionEventEmitter } from './events.js'
import { generateId, hashId, isWellFormedId } from './ids.js'
import { setOwn } from './json.js'
import {
  type ResolvedManagerOptions,
  resolveManagerOptions,
  type SessionManagerOptions,
  type SessionRequestInfo,
} from './options.js'
import {
  asStoreError,
  callStore,
  isPastDeadline,
  isTouchDue,
  promised,
  recordOf,
  sessionDeadline,
} from './policy.js'
import { isSealedCookieBackend, type SealedCookieBackend } from './sealed.js'
import {
  commitSealed,
  generationForLogin,
  loadSealed,
  revokeSealed,
  type SealedHost,
} from './sealed-flow.js'
import {
  adoptSnapshot,
  createSession,
  dataOf,
  diffSnapshots,
  freshState,
  isUnchanged,
  type LoginOptions,
  loadedState,
  markCommitted,
  Session,
  type SessionData,
  type SessionOwner,
  type SessionState,
  sameSnapshots,
  snapshotOf,
  stateOf,
  toJson,
} from './session.js'
import type { JsonObject, JsonValue, SessionMeta, SessionRecord, Store } from './store.js'

/** What {@link SessionManager.load} reads from a request. A plain string is the Cookie header. */
export interface LoadRequest {
  /** The Cookie header. */
  cookie?: string | null
  /** The value of the configured token header (`header` option), if any. */
  token?: string | null
  ip?: string | null
  userAgent?: string | null
}

/** One of a user's sessions, as a devices page shows it. */
export interface DeviceSession {
  /**
   * A handle for {@link SessionManager.revokeUserSession}: the SHA-256 of the session ID. It is
   * not a credential and cannot be turned back into one.
   */
  handle: string
  userId: string
  tenantId: string | null
  ip: string | null
  userAgent: string | null
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  /** True for the session that asked. */
  current: boolean
}

/** Options of {@link SessionManager.createSessionForUser}. */
export interface CreateSessionOptions {
  tenantId?: string | null
  ip?: string | null
  userAgent?: string | null
  data?: JsonObject
}

const MAX_TOKEN_LENGTH = 256

/** Where a new session's IP and User-Agent come from (a LoadRequest may compute them on demand). */
type MetaSource = Pick<LoadRequest, 'ip' | 'userAgent'>

function metaOf(source: MetaSource): Pick<SessionMeta, 'ip' | 'userAgent'> {
  return { ip: source.ip ?? null, userAgent: source.userAgent ?? null }
}

/** Object.keys(value).length > 0, without building the array on every commit. */
function hasKeys(value: object): boolean {
  for (const _ in value) return true
  return false
}

/**
 * Session policy in one place: IDs and signing, expiry (absolute and idle), touch throttling,
 * change sets, regeneration, user binding. Framework adapters call it; it calls the store.
 *
 * @example
 * const sessions = new SessionManager<{ cart: string[] }>({
 *   store: openStore('sqlite:./data/sessions.db'),
 *   secrets: [process.env.SESSION_SECRET!],
 *   lifetime: '24h', idleTimeout: '30m',
 * })
 * const session = await sessions.load(req.headers.cookie)
 * session.set('cart', ['sku-1'])
 * res.setHeader('Set-Cookie', await sessions.commit(session))
 */
export class SessionManager<
    Data extends SessionData = Record<string, JsonValue>,
    Flash extends SessionData = Record<string, JsonValue>,
  >
  extends SessionEventEmitter
  implements SessionOwner
{
  readonly options: Readonly<ResolvedManagerOptions>
  readonly #store: Store
  /** Set when the store keeps sessions in the cookie itself. */
  readonly #sealed: SealedCookieBackend | null
  readonly #sealedHost: SealedHost<Session<Data, Flash>> | null
  #cleanupTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: SessionManagerOptions) {
    super()
    this.options = Object.freeze(resolveManagerOptions(options))
    this.#store = this.options.store
    this.#sealed = isSealedCookieBackend(this.#store) ? this.#store : null
    this.#sealedHost = this.#sealed && {
      options: this.options,
      sealed: this.#sealed,
      fresh: (now, meta, hadToken) => this.#fresh(now, meta, hadToken, false),
      adopt: (state) => createSession<Data, Flash>(this, state),
      emit: (name, event) => this.emit(name, event),
    }
    if (this.#sealed && this.options.header !== null) {
      throw new InvalidConfigError('header', 'is not supported with the sealed cookie store')
    }
    if (this.#sealed && this.options.maxSessionsPerUser !== null) {
      throw new InvalidConfigError(
        'maxSessionsPerUser',
        'needs a server-side store: sealed cookies cannot be counted',
      )
    }
    if (this.options.cleanupInterval !== null && this.#store.capabilities.cleanup) {
      this.#cleanupTimer = setInterval(() => {
        this.cleanup().catch((error: unknown) =>
          this.emit('error', { error, operation: 'cleanup' }),
        )
      }, this.options.cleanupInterval)
      this.#cleanupTimer.unref()
    }
  }

  /** Milliseconds since the epoch by the manager's clock (the `clock` option). */
  now(): number {
    return this.options.clock.now()
  }

  /** The store this manager writes to. */
  get store(): Store {
    return this.#store
  }

  /** The name the session cookie is sent under (with its `__Host-` prefix when used). */
  get cookieName(): string {
    return this.options.cookie.name
  }

  /** True when the request matcher says this request gets no session. */
  shouldSkip(request: SessionRequestInfo): boolean {
    return this.options.skip?.(request) ?? false
  }

  /**
   * The session of a request. Never throws on a bad cookie: a missing, malformed, tampered,
   * forged, expired or revoked one gives a fresh, empty session with a new ID (a malformed one
   * without any store call). Throws StoreUnavailableError only when the store is down and
   * `failOpen` is off.
   */
  load(request?: string | null | LoadRequest): Promise<Session<Data, Flash>> {
    return promised(() => this.loadNow(request))
  }

  /**
   * @internal {@link load} for the adapters: the session itself when it could be had without
   * waiting (no cookie, a bad one, or a store with `getNow`), else a promise of it. It may
   * throw what load would reject with. Each promise an adapter awaits costs a request its
   * allocation and microtask turns; on the memory store a read then needs none.
   */
  loadNow(
    request?: string | null | LoadRequest,
  ): Session<Data, Flash> | Promise<Session<Data, Flash>> {
    const input: LoadRequest =
      typeof request === 'object' && request !== null ? request : { cookie: request }
    const now = this.options.clock.now()
    // Read only by #fresh: an adapter may compute the IP on demand.
    const meta: MetaSource = input
    if (this.#sealedHost) return loadSealed(this.#sealedHost, input.cookie, now, metaOf(input))
    const fromCookie = readCookie(input.cookie, this.options.cookie.name)
    const fromHeader =
      fromCookie === undefined && this.options.header !== null && input.token
        ? input.token
        : undefined
    const token = fromCookie ?? fromHeader
    if (token === undefined) return this.#fresh(now, meta, false, false)

    const id = token.length <= MAX_TOKEN_LENGTH ? unsign(this.options.keys, token) : null
    if (id === null || !isWellFormedId(id)) {
      return this.#fresh(now, meta, true, fromHeader !== undefined)
    }
    return this.#loadStored(id, now, meta, fromHeader !== undefined)
  }

  /**
   * @internal The session under `id`, for an adapter that has verified the ID with a signature
   * of its own (the express adapter reads express-session's cookie format): the same as
   * {@link load} past the cookie, without signing the ID again only to check it here. An ID of
   * any shape but ours gets a fresh session without a store call.
   */
  loadVerified(
    id: string,
    meta: Pick<SessionMeta, 'ip' | 'userAgent'>,
  ): Promise<Session<Data, Flash>> {
    const now = this.options.clock.now()
    if (this.#sealedHost || !isWellFormedId(id)) {
      return Promise.resolve(this.#fresh(now, meta, true, false))
    }
    return promised(() => this.#loadStored(id, now, meta, false))
  }

  /** The stored session under `id`: synchronously from a store with `getNow`. */
  #loadStored(
    id: string,
    now: number,
    meta: MetaSource,
    fromHeader: boolean,
  ): Session<Data, Flash> | Promise<Session<Data, Flash>> {
    const key = hashId(id)
    const store = this.#store
    if (store.getNow !== undefined) {
      let record: SessionRecord | null
      try {
        record = store.getNow(key, now)
      } catch (error) {
        return this.#loadFailed(asStoreError(store.name, 'get', error), now, meta, fromHeader)
      }
      return this.#opened(id, key, record, now, meta, fromHeader)
    }
    return this.#call('get', () => store.get(key, now)).then(
      (record) => this.#opened(id, key, record, now, meta, fromHeader),
      (error: unknown) => this.#loadFailed(error, now, meta, fromHeader),
    )
  }

  /** The store failed to load: a degraded fresh session with `failOpen`, else the error. */
  #loadFailed(
    error: unknown,
    now: number,
    meta: MetaSource,
    fromHeader: boolean,
  ): Session<Data, Flash> {
    if (!this.options.failOpen) throw error
    this.emit('error', { error, operation: 'load' })
    const degraded = this.#fresh(now, meta, false, fromHeader)
    stateOf(degraded).degraded = true
    return degraded
  }

  /** The session of a loaded record; a fresh one when it is missing or past its deadline. */
  #opened(
    id: string,
    key: string,
    record: SessionRecord | null,
    now: number,
    meta: MetaSource,
    fromHeader: boolean,
  ): Session<Data, Flash> | Promise<Session<Data, Flash>> {
    if (record === null) return this.#fresh(now, meta, true, fromHeader)
    if (isPastDeadline(this.options, record, now)) {
      // The policy may be stricter than when the record was written (a shorter lifetime).
      return this.#call('destroy', () => this.#store.destroy(key))
        .catch((error: unknown) =>
          this.emit('error', { error, operation: 'destroy expired session' }),
        )
        .then(() => {
          this.emit('expired', { key, userId: record.userId })
          return this.#fresh(now, meta, true, fromHeader)
        })
    }
    const state = loadedState(id, key, record)
    state.fromHeader = fromHeader
    return createSession<Data, Flash>(this, state)
  }

  /**
   * Saves what changed and returns the Set-Cookie values to send (`[]` when nothing needs
   * sending). A new session is inserted; an existing one is patched with its change set only,
   * so concurrent requests that change different keys all keep their change. When the session
   * was destroyed or revoked meanwhile, the change is dropped and the cookie cleared.
   */
  commit(session: Session<Data, Flash>): Promise<string[]> {
    try {
      return this.#commit(stateOf(session), null, true)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * @internal {@link commit} for an adapter that keeps the data itself and issues its own
   * cookie (sessionkit/express): the session's data becomes `json` (each key's JSON, as the
   * adapter serialized it), nothing is serialized again, and no Set-Cookie is built.
   */
  commitJson(session: Session<Data, Flash>, json: Map<string, string>): Promise<unknown> {
    try {
      const state = stateOf(session)
      if (this.#sealedHost !== null) throw new TypeError('commitJson is for server-side stores')
      adoptSnapshot(state, json)
      return this.#commit(state, json, false)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Not an async function, for the same reason as load: a write's commit is a chain of store
   * call, bookkeeping and cookie, and each async layer would add a promise and two microtask
   * turns to every write. It may throw before the store call: its callers (commit, commitJson)
   * turn that into a rejection.
   */
  #commit(
    state: SessionState,
    given: Map<string, string> | null,
    cookies: boolean,
  ): Promise<string[]> {
    // Everything below writes what the data was at this instant; later changes stay pending.
    const version = state.version
    // A stored session that nothing changed (most requests only read) needs no new snapshot.
    const unchanged =
      given === null && !state.isNew && this.#sealedHost === null && isUnchanged(state)
    const current = given ?? (unchanged ? state.snapshot : snapshotOf(state.data, state.snapshot))
    if (state.degraded) {
      if (unchanged || sameSnapshots(state.snapshot, current)) return Promise.resolve([])
      throw new StoreUnavailableError(
        this.#store.name,
        'the session could not be loaded when the request began, so its changes cannot be saved',
      )
    }
    const now = this.options.clock.now()
    if (this.#sealedHost)
      return Promise.resolve(commitSealed(this.#sealedHost, state, current, now))
    const clear = state.hadToken || state.cookiePending || state.cleared

    if (state.isNew) {
      const hasContent = current.size > 0 || state.meta.userId !== null
      if (this.options.lazy && !hasContent) {
        return Promise.resolve(clear ? [clearingCookie(this.options.cookie)] : [])
      }
      state.lastSeenAt = now
      state.updatedAt = now
      state.expiresAt = sessionDeadline(this.options, state.createdAt, now)
      const record = { ...recordOf(state), data: dataOf(current) }
      return this.#call('set', () => this.#store.set(state.key, record)).then(() => {
        markCommitted(state, current, version)
        state.cleared = false
        this.emit('created', { key: state.key, userId: state.meta.userId })
        return this.#cookieFor(state, cookies)
      })
    }

    const dataChanged = !unchanged && !sameSnapshots(state.snapshot, current)
    const metaChanges = state.metaChanges
    const metaChanged = hasKeys(metaChanges)
    if (dataChanged || metaChanged) {
      const changes = dataChanged
        ? diffSnapshots(state.snapshot, current)
        : { set: {}, removed: [] }
      const expiresAt = sessionDeadline(this.options, state.createdAt, now)
      const patch = {
        set: changes.set,
        remove: changes.removed,
        updatedAt: now,
        lastSeenAt: now,
        expiresAt,
        ...(metaChanged ? { meta: metaChanges } : {}),
      }
      return this.#call('patch', () => this.#store.patch(state.key, patch, now)).then((applied) => {
        if (!applied) return this.#lost(state)
        markCommitted(state, current, version)
        if (state.metaChanges === metaChanges) state.metaChanges = {}
        return this.#moveDeadline(state, now, expiresAt, cookies)
      })
    }

    if (isTouchDue(this.options, state, now)) {
      const expiresAt = sessionDeadline(this.options, state.createdAt, now)
      const times = { lastSeenAt: now, expiresAt }
      return this.#call('touch', () => this.#store.touch(state.key, times, now)).then((touched) => {
        if (!touched) return this.#lost(state)
        state.touchPending = false
        return this.#moveDeadline(state, now, expiresAt, cookies)
      })
    }
    return Promise.resolve(state.cookiePending ? this.#cookieFor(state, cookies) : [])
  }

  /**
   * @internal {@link commit} when it needs no store call, or null when it does (then call
   * commit). Most requests only read a stored session within `touchAfter`, or leave an empty new
   * one unsaved; adapters answer those in the same tick instead of waiting for a promise.
   */
  commitNow(session: Session<Data, Flash>): string[] | null {
    const state = stateOf(session)
    if (this.#sealedHost !== null) return null
    if (state.isNew) {
      if (!this.options.lazy || state.meta.userId !== null || state.degraded) return null
      for (const _ in state.data) return null
      const clear = state.hadToken || state.cookiePending || state.cleared
      return clear ? [clearingCookie(this.options.cookie)] : []
    }
    if (state.degraded || hasKeys(state.metaChanges) || !isUnchanged(state)) return null
    if (isTouchDue(this.options, state, this.options.clock.now())) return null
    return state.cookiePending ? this.#cookieFor(state) : []
  }

  /** The signed token of a session, for clients that send it in the `header` option's header. */
  tokenFor(session: Session<Data, Flash>): string {
    return sign(this.options.keys, stateOf(session).id)
  }

  /** Marks the session so the next commit extends its idle deadline regardless of `touchAfter`. */
  refresh(session: Session<Data, Flash>): void {
    stateOf(session).touchPending = true
  }

  /** Re-reads the session from the store, dropping uncommitted changes. */
  async reload(session: Session<Data, Flash>): Promise<void> {
    const state = stateOf(session)
    if (state.isNew) return
    const now = this.options.clock.now()
    const record = await this.#call('get', () => this.#store.get(state.key, now))
    if (record === null) {
      this.#reset(state, now, true)
      return
    }
    Object.assign(state, loadedState(state.id, state.key, record), {
      fromHeader: state.fromHeader,
      cookiePending: state.cookiePending,
    })
  }

  /** A new ID for the same data; the old ID is dead when this resolves. Keeps the lifetime. */
  async regenerate(session: Session<Data, Flash>): Promise<void> {
    const state = stateOf(session)
    if (state.isNew) {
      // Nothing stored yet, so there is no old record to kill: a new ID is enough.
      const id = generateId()
      Object.assign(state, { id, key: hashId(id) })
      return
    }
    await this.#replace(state, {}, false)
  }

  /**
   * Binds the session to `userId` with a new ID (against fixation), keeps the data, and restarts
   * the absolute lifetime. Past `maxSessionsPerUser`, the user's oldest sessions are revoked.
   */
  async login(
    session: Session<Data, Flash>,
    userId: string,
    options: LoginOptions = {},
  ): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new InvalidSessionDataError('userId', 'login needs a non-empty user ID string')
    }
    const state = stateOf(session)
    await this.#replace(state, { userId, tenantId: options.tenantId ?? null }, true)
    await this.#enforceCap(userId, state.key)
  }

  /** Removes the session from the store; the object becomes a fresh, empty session and the cookie is cleared at commit. */
  async destroy(session: Session<Data, Flash>): Promise<void> {
    const state = stateOf(session)
    const { key, isNew } = state
    const userId = state.meta.userId
    if (!isNew && !this.#sealed) await this.#call('destroy', () => this.#store.destroy(key))
    this.#reset(state, this.options.clock.now(), true)
    this.emit('destroyed', { key, userId, reason: userId === null ? 'destroy' : 'logout' })
  }

  /** The live sessions of a user, newest activity first. Needs a store with by-user listing. */
  async listUserSessions(
    userId: string,
    options: { current?: Session<Data, Flash> | string } = {},
  ): Promise<DeviceSession[]> {
    const store = this.#byUser('listing sessions by user')
    const now = this.options.clock.now()
    const currentKey = this.#keyOf(options.current)
    const rows = await this.#call('listByUser', () => store.listByUser(userId, now))
    return rows
      .filter(({ record }) => !isPastDeadline(this.options, record, now))
      .map(({ key, record }) => ({
        handle: key,
        userId,
        tenantId: record.tenantId,
        ip: record.ip,
        userAgent: record.userAgent,
        createdAt: new Date(record.createdAt),
        lastSeenAt: new Date(record.lastSeenAt),
        expiresAt: new Date(record.expiresAt),
        current: key === currentKey,
      }))
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
  }

  /**
   * Revokes every session of `userId`, or every one but `except` ("log out my other devices").
   * Returns how many were revoked.
   */
  async revokeUserSessions(
    userId: string,
    options: { except?: Session<Data, Flash> | string } = {},
  ): Promise<number> {
    if (this.#sealedHost) return revokeSealed(this.#sealedHost, userId, options.except)
    const store = this.#byUser('revoking sessions by user')
    const exceptKey = this.#keyOf(options.except)
    return this.#call('destroyByUser', () =>
      store.destroyByUser(userId, exceptKey === undefined ? undefined : { exceptKey }),
    )
  }

  /**
   * Revokes one session of `userId` by its device handle. Returns false (and revokes nothing)
   * when the handle is not a live session of that user, so one user cannot end another's.
   */
  async revokeUserSession(userId: string, handle: string): Promise<boolean> {
    this.#serverSide('revoking one session by handle')
    const now = this.options.clock.now()
    if (typeof handle !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(handle)) return false
    const record = await this.#call('get', () => this.#store.get(handle, now))
    if (record === null || record.userId !== userId) return false
    await this.#call('destroy', () => this.#store.destroy(handle))
    this.emit('destroyed', { key: handle, userId, reason: 'revoked' })
    return true
  }

  /** Removes expired sessions now. Returns how many. Needs a store with cleanup. */
  async cleanup(): Promise<number> {
    const cleanup = this.#store.cleanup?.bind(this.#store)
    if (!this.#store.capabilities.cleanup || !cleanup) {
      throw new CapabilityUnsupportedError(this.#store.name, 'cleanup')
    }
    const now = this.options.clock.now()
    return this.#call('cleanup', () => cleanup(now))
  }

  /** Stops the cleanup timer and closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#cleanupTimer) clearInterval(this.#cleanupTimer)
    await this.#store.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // The auth-storage service API that auth packages call (as in platforma).

  /** Creates a session bound to `userId` and returns its raw ID. */
  async createSessionForUser(userId: string, options: CreateSessionOptions = {}): Promise<string> {
    this.#serverSide('createSessionForUser')
    const now = this.options.clock.now()
    const state = freshState(generateId(), now, {
      ip: options.ip ?? null,
      userAgent: options.userAgent ?? null,
    })
    state.meta.userId = userId
    state.meta.tenantId = options.tenantId ?? null
    // The same check as session.set: what JSON would drop or mangle is refused before the write.
    const data: JsonObject = {}
    for (const [key, value] of Object.entries(options.data ?? {}))
      setOwn(data, key, toJson(key, value))
    state.data = data
    state.expiresAt = sessionDeadline(this.options, now, now)
    await this.#call('set', () => this.#store.set(state.key, recordOf(state)))
    this.emit('created', { key: state.key, userId })
    await this.#enforceCap(userId, state.key)
    return state.id
  }

  /** The user a live session belongs to, or null (unknown, malformed, expired or anonymous). */
  async getUserIdFromSessionId(id: string): Promise<string | null> {
    this.#serverSide('getUserIdFromSessionId')
    if (typeof id !== 'string' || !isWellFormedId(id)) return null
    const now = this.options.clock.now()
    const record = await this.#call('get', () => this.#store.get(hashId(id), now))
    if (record === null || isPastDeadline(this.options, record, now)) return null
    return record.userId
  }

  /** Deletes one session by its raw ID. Unknown IDs are a no-op. */
  async deleteSession(id: string): Promise<void> {
    this.#serverSide('deleteSession')
    if (typeof id !== 'string' || !isWellFormedId(id)) return
    const key = hashId(id)
    await this.#call('destroy', () => this.#store.destroy(key))
    this.emit('destroyed', { key, userId: null, reason: 'destroy' })
  }

  /** Deletes every session of a user; returns how many. */
  async deleteSessionsByUserId(userId: string): Promise<number> {
    return this.revokeUserSessions(userId)
  }

  // Internals.

  /** Throws CapabilityUnsupportedError for calls that need sessions held server-side. */
  #serverSide(feature: string): void {
    if (this.#sealed) throw new CapabilityUnsupportedError('cookie', feature)
  }

  #fresh(
    now: number,
    meta: MetaSource,
    hadToken: boolean,
    fromHeader: boolean,
  ): Session<Data, Flash> {
    const state = freshState(generateId(), now, metaOf(meta))
    state.hadToken = hadToken
    state.fromHeader = fromHeader
    return createSession<Data, Flash>(this, state)
  }

  /** Turns a state into a fresh, empty one with a new ID, remembering that a cookie must be cleared. */
  #reset(state: SessionState, now: number, cleared: boolean): void {
    const { fromHeader, sealedChunks } = state
    const meta = { ip: state.meta.ip, userAgent: state.meta.userAgent }
    Object.assign(state, freshState(generateId(), now, meta), {
      hadToken: true,
      fromHeader,
      cleared,
      sealedChunks,
    })
  }

  #lost(state: SessionState): string[] {
    const { key } = state
    const userId = state.meta.userId
    this.#reset(state, this.options.clock.now(), true)
    this.emit('destroyed', { key, userId, reason: 'lost' })
    return [clearingCookie(this.options.cookie)]
  }

  /** Insert under a new ID, then destroy the old one: the old ID is dead when this returns. */
  async #replace(
    state: SessionState,
    meta: Partial<SessionMeta>,
    restartLifetime: boolean,
  ): Promise<void> {
    const now = this.options.clock.now()
    const previousKey = state.key
    const wasStored = !state.isNew
    const id = generateId()
    const next: SessionState = {
      ...state,
      id,
      key: hashId(id),
      meta: { ...state.meta, ...meta },
      createdAt: restartLifetime || state.isNew ? now : state.createdAt,
      updatedAt: now,
      lastSeenAt: now,
    }
    next.expiresAt = sessionDeadline(this.options, next.createdAt, now)
    const version = state.version
    const current = snapshotOf(state.data, state.snapshot)
    if (this.#sealed) {
      // Nothing to insert or destroy server-side: the new cookie replaces the old one.
      const sealed = this.#sealed
      const userId = next.meta.userId
      if (meta.userId !== undefined && userId !== null) {
        next.generation = await generationForLogin(sealed, userId, now)
      }
    } else {
      const record = { ...recordOf(next), data: dataOf(current) }
      await this.#call('set', () => this.#store.set(next.key, record))
      if (wasStored) await this.#call('destroy', () => this.#store.destroy(previousKey))
    }
    Object.assign(state, next, {
      data: state.data,
      cookiePending: true,
      cleared: false,
      touchPending: false,
      degraded: false,
    })
    markCommitted(state, current, version)
    this.emit('regenerated', { key: state.key, previousKey, userId: state.meta.userId })
  }

  async #enforceCap(userId: string, keepKey: string): Promise<void> {
    const cap = this.options.maxSessionsPerUser
    if (cap === null) return
    const store = this.#byUser('maxSessionsPerUser')
    const now = this.options.clock.now()
    const rows = await this.#call('listByUser', () => store.listByUser(userId, now))
    const others = rows
      .filter(({ key }) => key !== keepKey)
      .sort((a, b) => a.record.createdAt - b.record.createdAt)
    const excess = others.length + 1 - cap
    for (const { key } of others.slice(0, Math.max(0, excess))) {
      await this.#call('destroy', () => this.#store.destroy(key))
      this.emit('destroyed', { key, userId, reason: 'revoked' })
    }
  }

  #moveDeadline(state: SessionState, now: number, expiresAt: number, cookies = true): string[] {
    const moved = expiresAt !== state.expiresAt
    state.lastSeenAt = now
    state.updatedAt = now
    state.expiresAt = expiresAt
    return moved || state.cookiePending ? this.#cookieFor(state, cookies) : []
  }

  /** The session cookie to send; none when the adapter issues its own (`cookies` false). */
  #cookieFor(state: SessionState, cookies = true): string[] {
    state.cookiePending = false
    if (!cookies) return []
    return [sessionCookie(this.options.cookie, sign(this.options.keys, state.id), state.expiresAt)]
  }

  #keyOf(session: Session<Data, Flash> | string | undefined): string | undefined {
    if (session === undefined) return undefined
    if (typeof session === 'string') return isWellFormedId(session) ? hashId(session) : undefined
    return stateOf(session).key
  }

  #byUser(feature: string) {
    const { listByUser, destroyByUser } = this.#store
    if (!this.#store.capabilities.byUser || !listByUser || !destroyByUser) {
      throw new CapabilityUnsupportedError(this.#store.name, feature)
    }
    return {
      listByUser: listByUser.bind(this.#store),
      destroyByUser: destroyByUser.bind(this.#store),
    }
  }

  #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callStore(this.#store.name, operation, run)
  }
}

export { Session }
