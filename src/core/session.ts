import { InvalidSessionDataError, SessionStateError } from './errors.js'
import { hashId } from './ids.js'
import { setOwn, strictJson } from './json.js'
import type { JsonObject, JsonValue, SessionMeta, SessionRecord } from './store.js'

/** Data keys that start with this hold flash values; they never show in get/entries. */
export const FLASH_PREFIX = '__flash:'

/** What a session's data may look like: an object of JSON values, typed by the app. */
export type SessionData = object

/** Keys of `Data` that can be used with get/set. */
export type DataKey<Data> = keyof Data & string

/** The keys set and removed since the session was loaded (or last committed). */
export interface ChangeSet {
  set: JsonObject
  removed: string[]
}

/** Options of {@link Session.login}. */
export interface LoginOptions {
  tenantId?: string | null
}

/**
 * What a Session needs from its manager. Keeps the Session free of store and cookie policy.
 * @internal
 */
export interface SessionOwner {
  now(): number
  login(session: object, userId: string, options: LoginOptions): Promise<void>
  regenerate(session: object): Promise<void>
  destroy(session: object): Promise<void>
}

/** Mutable state the manager reads and writes. Not part of the public API. @internal */
export interface SessionState {
  id: string
  key: string
  /** Not in the store yet. */
  isNew: boolean
  data: JsonObject
  /** JSON of each key as last loaded or committed; the base of the change set. */
  snapshot: Map<string, string>
  meta: SessionMeta
  /** Meta fields changed since load, written with the next patch. */
  metaChanges: Partial<SessionMeta>
  createdAt: number
  updatedAt: number
  lastSeenAt: number
  expiresAt: number
  /** The request carried a session token (valid or not), so a clear may be needed. */
  hadToken: boolean
  /** The token came from the configured request header rather than the cookie. */
  fromHeader: boolean
  /** A cookie must go out at the next commit (after login or regenerate). */
  cookiePending: boolean
  /** The next commit must write lastSeenAt even if touchAfter has not passed. */
  touchPending: boolean
  /** The session was destroyed, revoked or lost; its cookie must be cleared. */
  cleared: boolean
  /** The store could not be read and the manager fails open: nothing is written for it. */
  degraded: boolean
  /** Sealed-cookie sessions: how many cookies carried the session in the request. */
  sealedChunks: number
  /** Sealed-cookie sessions: the user's generation when bound (see CookieStore revocations). */
  generation: number | null
  /** Counts changes made through the Session's methods. */
  version: number
  /**
   * The `version` the snapshot was taken at; -1 when unknown. While the two are equal, only an
   * object value changed in place can make the data differ from the snapshot (see isUnchanged).
   */
  committedVersion: number
}

// Set by Session's static block: module code reaches its private fields through these. Private
// fields rather than WeakMaps, because every request makes a session and every call reads it.
let attachState: (session: object, state: SessionState, owner: SessionOwner) => void
let peekState: (session: object) => SessionState | undefined
let peekOwner: (session: object) => SessionOwner | undefined

/** @internal */
export function stateOf(session: object): SessionState {
  const state = peekState(session)
  if (!state)
    throw new SessionStateError('this object is not a session created by a SessionManager')
  return state
}

/** @internal */
export function createSession<Data extends SessionData, Flash extends SessionData>(
  owner: SessionOwner,
  state: SessionState,
): Session<Data, Flash> {
  const session = new Session<Data, Flash>()
  attachState(session, state, owner)
  return session
}

/** @internal A fresh, empty session state. */
export function freshState(
  id: string,
  now: number,
  meta: Pick<SessionMeta, 'ip' | 'userAgent'>,
): SessionState {
  return {
    id,
    key: hashId(id),
    isNew: true,
    data: {},
    snapshot: new Map(),
    meta: { userId: null, tenantId: null, ip: meta.ip, userAgent: meta.userAgent },
    metaChanges: {},
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now,
    hadToken: false,
    fromHeader: false,
    cookiePending: false,
    touchPending: false,
    cleared: false,
    degraded: false,
    sealedChunks: 0,
    generation: null,
    version: 0,
    committedVersion: 0,
  }
}

/** @internal The state of a session read from the store. */
export function loadedState(id: string, key: string, record: SessionRecord): SessionState {
  // Stored data came out of JSON, so it needs no checking on the way back in.
  const snapshot = storedSnapshotOf(record.data)
  return {
    id,
    key,
    isNew: false,
    data: record.data,
    snapshot,
    meta: {
      userId: record.userId,
      tenantId: record.tenantId,
      ip: record.ip,
      userAgent: record.userAgent,
    },
    metaChanges: {},
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    hadToken: true,
    fromHeader: false,
    cookiePending: false,
    touchPending: false,
    cleared: false,
    degraded: false,
    sealedChunks: 0,
    generation: null,
    version: 0,
    committedVersion: 0,
  }
}

/**
 * @internal The JSON of each data key: what a commit writes, and the base of the next change
 * set. Values set through the Session were checked then; this catches what an app changed in
 * place afterwards (`session.get('cart').push(NaN)`), so a commit refuses it rather than
 * writing `null`.
 */
export function snapshotOf(
  data: JsonObject,
  base?: ReadonlyMap<string, string>,
): Map<string, string> {
  const snapshot = new Map<string, string>()
  for (const key of Object.keys(data)) snapshot.set(key, keyJson(key, data[key], base))
  return snapshot
}

/**
 * The JSON of one value. A value whose plain JSON is what `base` holds is unchanged, and is
 * written nowhere, so only a changed one pays for the strict check: it walks the value with
 * a replacer, several times the cost of JSON.stringify, on every commit of every key otherwise.
 */
function keyJson(
  key: string,
  value: JsonValue | undefined,
  base?: ReadonlyMap<string, string>,
): string {
  if (base !== undefined) {
    let plain: string | undefined
    try {
      plain = JSON.stringify(value)
    } catch {
      // A cycle or a throwing toJSON: the strict check below names it.
    }
    if (plain !== undefined && plain === base.get(key)) return plain
  }
  return strictJson(value, (path, reason) => refused(key, path, reason, 'was changed in place:'))
}

/** @internal The JSON of each key of data read from a store: JSON already, so no strict check. */
export function storedSnapshotOf(data: JsonObject): Map<string, string> {
  const snapshot = new Map<string, string>()
  for (const key of Object.keys(data)) snapshot.set(key, JSON.stringify(data[key]))
  return snapshot
}

/** @internal True when both snapshots hold the same keys with the same JSON: nothing to write. */
export function sameSnapshots(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false
  for (const [key, json] of a) if (b.get(key) !== json) return false
  return true
}

function refused(key: string, path: string, reason: string, prefix = ''): Error {
  const where = path === '' ? 'the value' : `the value at ${path}`
  return new InvalidSessionDataError(key, `${prefix}${prefix ? ' ' : ''}${where} ${reason}`)
}

/** @internal A fresh data object from a snapshot, detached from the live session. */
export function dataOf(snapshot: Map<string, string>): JsonObject {
  const data: JsonObject = {}
  for (const [key, json] of snapshot) setOwn(data, key, JSON.parse(json) as JsonValue)
  return data
}

/**
 * @internal Makes the data what `json` (each key's JSON) says, parsing only the keys whose JSON
 * differs from the last snapshot: the adapter serialized the values itself, so they are JSON.
 */
export function adoptSnapshot(state: SessionState, json: Map<string, string>): void {
  const data = state.data
  for (const key of Object.keys(data)) if (!json.has(key)) delete data[key]
  for (const [key, value] of json) {
    if (state.snapshot.get(key) !== value || !Object.hasOwn(data, key)) {
      setOwn(data, key, JSON.parse(value) as JsonValue)
    }
  }
  state.version++
}

/** @internal Keys set (with values) and removed between two snapshots. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): ChangeSet {
  const set: JsonObject = {}
  const removed: string[] = []
  for (const [key, json] of after) {
    if (before.get(key) !== json) setOwn(set, key, JSON.parse(json) as JsonValue)
  }
  for (const key of before.keys()) {
    if (!after.has(key)) removed.push(key)
  }
  return { set, removed }
}

/** @internal Keys set and removed since the last commit. */
export function diff(state: SessionState): ChangeSet {
  return diffSnapshots(state.snapshot, snapshotOf(state.data, state.snapshot))
}

/**
 * @internal After a write: `written` (taken before the write began) is the new base of the
 * change set, so a change made while the write was in flight stays pending for the next commit.
 */
export function markCommitted(
  state: SessionState,
  written: Map<string, string>,
  version = -1,
): void {
  state.snapshot = written
  state.committedVersion = version
  state.isNew = false
}

/**
 * @internal True when the data is still what its snapshot says, found without a new snapshot:
 * with no change made through the Session since, a primitive value cannot have changed, so
 * only object values are serialized again (an app may change those in place). A value JSON
 * would alter (NaN put in place of a null) may compare equal here; nothing is written then,
 * so nothing is altered.
 */
export function isUnchanged(state: SessionState): boolean {
  if (state.version !== state.committedVersion) return false
  const { data, snapshot } = state
  for (const [key, json] of snapshot) {
    const value = data[key]
    if (typeof value === 'object' && value !== null && JSON.stringify(value) !== json) return false
  }
  return true
}

/**
 * Turns a value into its stored JSON form at set time, refusing what JSON cannot carry
 * faithfully (see strictJson: undefined inside objects and arrays, functions, symbols, BigInt,
 * NaN, ±Infinity, invalid Dates, Maps, Sets and other class instances, cycles) with an
 * InvalidSessionDataError naming the key and where in the value. Dates become ISO strings.
 */
export function toJson(key: string, value: unknown): JsonValue {
  return JSON.parse(strictJson(value, (path, reason) => refused(key, path, reason))) as JsonValue
}

/**
 * One visitor's session. Data is typed by `Data`; flash values by `Flash`. Values are stored as
 * JSON: `set` stores a copy, so a Date comes back as its ISO string. What JSON would drop or
 * turn into null or `{}` (undefined inside a value, functions, symbols, BigInt, NaN, Infinity,
 * Maps, Sets, class instances without toJSON, cycles) is refused by `set` with
 * InvalidSessionDataError, never mangled at commit.
 *
 * Most apps get a Session from an adapter (`req.session`, `c.get('session')`) rather than from
 * {@link SessionManager.load} directly.
 */
export class Session<
  Data extends SessionData = Record<string, JsonValue>,
  Flash extends SessionData = Record<string, JsonValue>,
> {
  #state: SessionState | undefined
  #host: SessionOwner | undefined

  static {
    attachState = (session, state, owner) => {
      if (!(#state in session)) throw new SessionStateError('not a session')
      session.#state = state
      session.#host = owner
    }
    peekState = (session) => (#state in session ? session.#state : undefined)
    peekOwner = (session) => (#host in session ? session.#host : undefined)
  }

  /** @internal Sessions are made by a SessionManager. */
  // biome-ignore lint/complexity/noUselessConstructor: documents that users should not construct it
  constructor() {}

  /**
   * The session ID. Treat it as a secret: it is a bearer credential. It changes on login and
   * regenerate. The store never sees it, only its SHA-256.
   */
  get id(): string {
    return stateOf(this).id
  }

  /** True until the session has been written to the store. */
  get isNew(): boolean {
    return stateOf(this).isNew
  }

  /** The value under `key`, or undefined. */
  get<K extends DataKey<Data>>(key: K): Data[K] | undefined {
    const data = stateOf(this).data
    if (key.startsWith(FLASH_PREFIX) || !Object.hasOwn(data, key)) return undefined
    return data[key] as Data[K]
  }

  /**
   * Stores `value` (a JSON copy of it) under `key`. `undefined` deletes the key.
   * @throws InvalidSessionDataError for a value JSON cannot carry faithfully, naming the key
   * and the path inside the value (never the value itself).
   */
  set<K extends DataKey<Data>>(key: K, value: Data[K]): this {
    assertDataKey(key)
    const state = stateOf(this)
    state.version++
    if (value === undefined) {
      delete state.data[key]
    } else {
      setOwn(state.data, key, toJson(key, value))
    }
    return this
  }

  /** Removes `key`. Returns whether it was there. */
  delete<K extends DataKey<Data>>(key: K): boolean {
    const state = stateOf(this)
    if (key.startsWith(FLASH_PREFIX) || !Object.hasOwn(state.data, key)) return false
    state.version++
    delete state.data[key]
    return true
  }

  has<K extends DataKey<Data>>(key: K): boolean {
    return !key.startsWith(FLASH_PREFIX) && Object.hasOwn(stateOf(this).data, key)
  }

  /** Removes every data key (and pending flash values). The user binding stays. */
  clear(): void {
    const state = stateOf(this)
    state.version++
    for (const key of Object.keys(state.data)) delete state.data[key]
  }

  /** `[key, value]` pairs of the data, flash values excluded. */
  entries(): Array<[DataKey<Data>, Data[DataKey<Data>]]> {
    return Object.entries(stateOf(this).data)
      .filter(([key]) => !key.startsWith(FLASH_PREFIX))
      .map(([key, value]) => [key as DataKey<Data>, value as Data[DataKey<Data>]])
  }

  keys(): Array<DataKey<Data>> {
    return this.entries().map(([key]) => key)
  }

  /**
   * With a value: stores a flash value for the next request. Without: reads it once and
   * removes it (undefined when there is none).
   * @example
   * session.flash('notice', 'Saved')   // on POST
   * session.flash('notice')            // 'Saved' on the next GET, undefined after
   */
  flash<K extends DataKey<Flash>>(key: K): Flash[K] | undefined
  flash<K extends DataKey<Flash>>(key: K, value: Flash[K]): this
  flash<K extends DataKey<Flash>>(key: K, ...value: [Flash[K]] | []): Flash[K] | undefined | this {
    const state = stateOf(this)
    const dataKey = `${FLASH_PREFIX}${key}`
    if (value.length === 1) {
      setOwn(state.data, dataKey, toJson(key, value[0]))
      state.version++
      return this
    }
    if (!Object.hasOwn(state.data, dataKey)) return undefined
    const read = state.data[dataKey] as Flash[K]
    state.version++
    delete state.data[dataKey]
    return read
  }

  /** Every pending flash value, read once. */
  flashes(): Partial<Flash> {
    const state = stateOf(this)
    const out: Record<string, JsonValue> = {}
    for (const key of Object.keys(state.data)) {
      if (!key.startsWith(FLASH_PREFIX)) continue
      setOwn(out, key.slice(FLASH_PREFIX.length), state.data[key] as JsonValue)
      state.version++
      delete state.data[key]
    }
    return out as Partial<Flash>
  }

  /** The keys set and removed since the session was loaded or last committed. */
  changes(): ChangeSet {
    return diff(stateOf(this))
  }

  get userId(): string | null {
    return stateOf(this).meta.userId
  }
  get tenantId(): string | null {
    return stateOf(this).meta.tenantId
  }
  get ip(): string | null {
    return stateOf(this).meta.ip
  }
  get userAgent(): string | null {
    return stateOf(this).meta.userAgent
  }
  get createdAt(): Date {
    return new Date(stateOf(this).createdAt)
  }
  get updatedAt(): Date {
    return new Date(stateOf(this).updatedAt)
  }
  get lastSeenAt(): Date {
    return new Date(stateOf(this).lastSeenAt)
  }
  /** When the store forgets the session unless it is used again (idle) — never past the lifetime. */
  get expiresAt(): Date {
    return new Date(stateOf(this).expiresAt)
  }
  get isAuthenticated(): boolean {
    const state = stateOf(this)
    return state.meta.userId !== null && !state.cleared
  }
  /** True for a session that was destroyed, revoked or lost to a concurrent logout. */
  get isDestroyed(): boolean {
    return stateOf(this).cleared
  }
  /** True once the session's expiry has passed (by the manager's clock). */
  get isExpired(): boolean {
    const state = stateOf(this)
    return !state.isNew && state.expiresAt <= this.#owner().now()
  }
  /** True when the store could not be read and the manager failed open: nothing will be saved. */
  get isDegraded(): boolean {
    return stateOf(this).degraded
  }

  /**
   * Binds the session to a user: a new ID (against fixation), data kept, absolute lifetime
   * restarted. The old ID is dead when this resolves.
   */
  async login(userId: string, options: LoginOptions = {}): Promise<void> {
    await this.#owner().login(this, userId, options)
  }

  /** Destroys the session (every device keeps its own). The cookie is cleared at commit. */
  async logout(): Promise<void> {
    await this.#owner().destroy(this)
  }

  /** A new ID for the same data (call after a privilege change). */
  async regenerate(): Promise<void> {
    await this.#owner().regenerate(this)
  }

  /** Removes the session from the store. The object becomes a fresh, empty session. */
  async destroy(): Promise<void> {
    await this.#owner().destroy(this)
  }

  #owner(): SessionOwner {
    const owner = peekOwner(this)
    if (!owner) throw new SessionStateError('this session has no manager')
    return owner
  }
}

function assertDataKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidSessionDataError(String(key), 'keys must be non-empty strings')
  }
  if (key.startsWith(FLASH_PREFIX)) {
    throw new InvalidSessionDataError(
      key,
      `keys starting with "${FLASH_PREFIX}" are reserved for flash values`,
    )
  }
}
