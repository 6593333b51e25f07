/**
 * `sessionkit/stores/memory`: sessions in the process's memory. For tests, demos and single
 * process apps that can lose every session on restart. Values are kept as JSON strings, so
 * what a caller gets back is always a deep copy and never shares objects with the store.
 * @module
 */

import { InvalidConfigError, StoreError, StoreUnavailableError } from '../core/errors.js'
import { isValidStoreKey } from '../core/ids.js'
import { encodeJson, setOwn } from '../core/json.js'
import type {
  JsonObject,
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionMeta,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
  TokenRecord,
} from '../core/store.js'
import {
  assertPatch,
  assertRecord,
  assertStoreKey,
  assertTimes,
  assertToken,
} from '../core/store-guards.js'
import { type Duration, parseDuration } from '../core/time.js'

/** setInterval's ceiling. */
const MAX_TIMER_MS = 0x7fffffff

const NAME = 'memory'

const META_FIELDS = ['userId', 'tenantId', 'ip', 'userAgent'] as const

// The hot calls (get, patch, touch) do all their work synchronously; they hand back these
// settled promises (immutable, so safe to share) instead of paying for an async function's
// own promise on every call.
const TRUE = Promise.resolve(true)
const FALSE = Promise.resolve(false)
const NULL = Promise.resolve(null)

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most sessions kept; past it the least recently used session is evicted (its user
   * loses it). Tokens are bounded by the same number, separately, oldest first. Without a
   * limit, memory is bounded only by expiry and the sweeper.
   * @default undefined (no limit)
   */
  maxEntries?: number
  /**
   * How often expired sessions and tokens are removed, by the real clock. The timer is
   * `unref()`ed, so it never keeps the process alive, and `close()` stops it. `0` turns the
   * sweeper off (call `cleanup(now)` yourself).
   * @default '1m'
   */
  sweepInterval?: Duration
}

/** A session as held: data as JSON text (copied both ways), the rest as immutable scalars. */
interface Entry extends SessionMeta {
  data: string
  createdAt: number
  updatedAt: number
  lastSeenAt: number
  expiresAt: number
}

interface TokenEntry {
  value: string
  expiresAt: number
}

function parseMaxEntries(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidConfigError('maxEntries', 'must be a positive integer')
  }
  return value
}

function metaValue(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') throw new StoreError(NAME, `${field} must be a string or null`)
  return value
}

function toRecord(entry: Entry): SessionRecord {
  return {
    data: JSON.parse(entry.data) as JsonObject,
    userId: entry.userId,
    tenantId: entry.tenantId,
    ip: entry.ip,
    userAgent: entry.userAgent,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    lastSeenAt: entry.lastSeenAt,
    expiresAt: entry.expiresAt,
  }
}

/**
 * The in-memory store. Declares every capability. All work is synchronous inside each call,
 * so every operation, patches and token consumes included, is atomic in the one process
 * that holds the store.
 *
 * @example
 * ```ts
 * import { MemoryStore } from 'sessionkit/stores/memory'
 * const store = new MemoryStore({ maxEntries: 10_000 })
 * ```
 */
export class MemoryStore implements Store {
  readonly name: string = NAME
  readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  }

  // Map order is the LRU order when maxEntries is set: a hit is deleted and re-inserted, so
  // the first key is the least recently used.
  readonly #sessions = new Map<string, Entry>()
  readonly #tokens = new Map<string, TokenEntry>()
  readonly #byUser = new Map<string, Set<string>>()
  readonly #maxEntries: number
  /** maxEntries was given: the Map's order is kept as the LRU order. */
  readonly #bounded: boolean
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    // A subclass that overrides get (to instrument it, or to fail it on purpose) must see every
    // read: unless it has a getNow of its own, it gets none, and the manager calls its get.
    if (this.get !== MemoryStore.prototype.get && this.getNow === MemoryStore.prototype.getNow) {
      Object.defineProperty(this, 'getNow', {
        value: undefined,
        writable: true,
        configurable: true,
      })
    }
    this.#maxEntries = parseMaxEntries(options.maxEntries)
    this.#bounded = Number.isFinite(this.#maxEntries)
    const interval = parseDuration(options.sweepInterval ?? '1m', 'sweepInterval')
    // setInterval turns a longer delay into 1 ms: the sweeper would run without pause.
    if (interval > MAX_TIMER_MS) {
      throw new InvalidConfigError(
        'sweepInterval',
        'must be at most 2147483647 ms (about 24.8 days)',
      )
    }
    if (interval > 0) {
      this.#timer = setInterval(() => this.#sweep(Date.now()), interval)
      this.#timer.unref()
    }
  }

  /** How many sessions are held, expired ones not yet swept included. */
  get size(): number {
    return this.#sessions.size
  }

  /** The live record under `key`, or null. A hit counts as a use for LRU eviction. */
  get(key: string, now: number): Promise<SessionRecord | null> {
    try {
      const entry = this.#live(key, now)
      return entry ? Promise.resolve(toRecord(entry)) : NULL
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * {@link get}, synchronously: the manager loads from this store without a promise. Undefined
   * on a subclass that overrides get without overriding this too.
   */
  getNow(key: string, now: number): SessionRecord | null {
    const entry = this.#live(key, now)
    return entry ? toRecord(entry) : null
  }

  /** Inserts or replaces the record; evicts the least recently used past `maxEntries`. */
  async set(key: string, record: SessionRecord): Promise<void> {
    this.#open()
    assertStoreKey(key)
    assertRecord(NAME, record)
    // Everything that can throw happens before the map changes, so a failed set stores nothing.
    const entry: Entry = {
      data: encodeJson(NAME, record.data, 'record.data'),
      userId: metaValue(record.userId, 'userId'),
      tenantId: metaValue(record.tenantId, 'tenantId'),
      ip: metaValue(record.ip, 'ip'),
      userAgent: metaValue(record.userAgent, 'userAgent'),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
    }
    this.#remove(key)
    this.#sessions.set(key, entry)
    this.#index(entry.userId, key)
    this.#evict()
  }

  /** Applies the change set to a live record: keys in `set` first, then `remove`. */
  patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    try {
      return this.#patch(key, patch, now) ? TRUE : FALSE
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #patch(key: string, patch: SessionPatch, now: number): boolean {
    this.#open()
    if (!isValidStoreKey(key)) return false
    assertPatch(NAME, patch)
    if (typeof patch.set !== 'object' || patch.set === null || !Array.isArray(patch.remove)) {
      throw new StoreError(NAME, 'a patch needs a `set` object and a `remove` array')
    }
    const entry = this.#hit(key, now)
    if (!entry) return false
    const data = JSON.parse(entry.data) as JsonObject
    for (const field in patch.set) {
      if (Object.hasOwn(patch.set, field)) setOwn(data, field, patch.set[field] as JsonValue)
    }
    for (const field of patch.remove) delete data[field]
    const meta = patch.meta
    const next: Entry = {
      data: encodeJson(NAME, data, 'patch.set'),
      userId: entry.userId,
      tenantId: entry.tenantId,
      ip: entry.ip,
      userAgent: entry.userAgent,
      createdAt: entry.createdAt,
      updatedAt: patch.updatedAt,
      lastSeenAt: patch.lastSeenAt,
      expiresAt: patch.expiresAt,
    }
    if (meta !== undefined) {
      for (const field of META_FIELDS) {
        const value = meta[field]
        // undefined means "not named": only null unbinds.
        if (value !== undefined) next[field] = metaValue(value, field)
      }
    }
    this.#sessions.set(key, next)
    if (next.userId !== entry.userId) {
      this.#unindex(entry.userId, key)
      this.#index(next.userId, key)
    }
    return true
  }

  /** Moves lastSeenAt and expiresAt of a live record. */
  touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    try {
      this.#open()
      if (!isValidStoreKey(key)) return FALSE
      assertTimes(NAME, times)
      const entry = this.#hit(key, now)
      if (!entry) return FALSE
      entry.lastSeenAt = times.lastSeenAt
      entry.expiresAt = times.expiresAt
      return TRUE
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Removes the record; a missing or malformed key is a no-op. */
  async destroy(key: string): Promise<void> {
    this.#open()
    if (isValidStoreKey(key)) this.#remove(key)
  }

  /** Live sessions of `userId`, from the by-user index. */
  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    this.#open()
    const list: KeyedRecord[] = []
    for (const key of this.#byUser.get(userId) ?? []) {
      const entry = this.#sessions.get(key)
      if (entry && now < entry.expiresAt) list.push({ key, record: toRecord(entry) })
    }
    return list
  }

  /** Removes every session of `userId` but `exceptKey`, expired ones included. */
  async destroyByUser(userId: string, options: { exceptKey?: string } = {}): Promise<number> {
    this.#open()
    const keys = this.#byUser.get(userId)
    if (!keys) return 0
    let removed = 0
    for (const key of [...keys]) {
      if (key !== options.exceptKey && this.#remove(key)) removed++
    }
    return removed
  }

  /** Removes sessions and tokens whose expiresAt <= now; returns how many sessions went. */
  async cleanup(now: number): Promise<number> {
    this.#open()
    return this.#sweep(now)
  }

  /**
   * Every live session. Iterates a snapshot of the keys taken at the first step, so reads
   * (which reorder the LRU) and writes during iteration never yield a key twice.
   */
  async *entries(now: number): AsyncIterable<KeyedRecord> {
    this.#open()
    for (const key of [...this.#sessions.keys()]) {
      if (this.#closed) return
      const entry = this.#sessions.get(key)
      if (entry && now < entry.expiresAt) yield { key, record: toRecord(entry) }
    }
  }

  /** Stores a single-use token; evicts the oldest token past `maxEntries`. */
  async putToken(key: string, token: TokenRecord): Promise<void> {
    this.#open()
    assertStoreKey(key)
    assertToken(NAME, token)
    const entry: TokenEntry = {
      value: encodeJson(NAME, token.value, 'token.value'),
      expiresAt: token.expiresAt,
    }
    this.#tokens.delete(key)
    this.#tokens.set(key, entry)
    while (this.#tokens.size > this.#maxEntries) {
      const oldest = this.#tokens.keys().next()
      if (oldest.done) break
      this.#tokens.delete(oldest.value)
    }
  }

  /** Removes and returns the live token under `key`; one synchronous step, so only one caller wins. */
  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    this.#open()
    if (!isValidStoreKey(key)) return null
    const entry = this.#tokens.get(key)
    if (!entry) return null
    this.#tokens.delete(key)
    return now < entry.expiresAt ? (JSON.parse(entry.value) as JsonValue) : null
  }

  /** Stops the sweeper and drops every record. Idempotent; later calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#sessions.clear()
    this.#tokens.clear()
    this.#byUser.clear()
  }

  /** Same as {@link close}, for `await using store = new MemoryStore()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #open(): void {
    // Fails like a real engine would, so a use after close shows up in tests.
    if (this.#closed) throw new StoreUnavailableError(NAME, 'the store is closed')
  }

  /** The live entry under `key`, moved to the most recently used end; undefined otherwise. */
  #live(key: string, now: number): Entry | undefined {
    this.#open()
    if (!isValidStoreKey(key)) return undefined
    return this.#hit(key, now)
  }

  /** `#live` for a key the caller has already checked, on an open store. */
  #hit(key: string, now: number): Entry | undefined {
    const entry = this.#sessions.get(key)
    if (!entry || !(now < entry.expiresAt)) return undefined
    // The LRU order only matters to eviction: without maxEntries nothing is evicted, and a
    // delete and re-insert per read would be work for nothing.
    if (this.#bounded) {
      this.#sessions.delete(key)
      this.#sessions.set(key, entry)
    }
    return entry
  }

  #remove(key: string): boolean {
    const entry = this.#sessions.get(key)
    if (!entry) return false
    this.#sessions.delete(key)
    this.#unindex(entry.userId, key)
    return true
  }

  #index(userId: string | null, key: string): void {
    if (userId === null) return
    const keys = this.#byUser.get(userId)
    if (keys) keys.add(key)
    else this.#byUser.set(userId, new Set([key]))
  }

  #unindex(userId: string | null, key: string): void {
    if (userId === null) return
    const keys = this.#byUser.get(userId)
    if (!keys) return
    keys.delete(key)
    // An empty set per departed user would be a slow leak.
    if (keys.size === 0) this.#byUser.delete(userId)
  }

  #evict(): void {
    while (this.#sessions.size > this.#maxEntries) {
      const oldest = this.#sessions.keys().next()
      if (oldest.done) break
      this.#remove(oldest.value)
    }
  }

  #sweep(now: number): number {
    let removed = 0
    for (const [key, entry] of this.#sessions) {
      if (entry.expiresAt <= now && this.#remove(key)) removed++
    }
    for (const [key, token] of this.#tokens) {
      if (token.expiresAt <= now) this.#tokens.delete(key)
    }
    return removed
  }
}
