/**
 * The store contract. A store is persistence only: it gets an opaque key (always the SHA-256
 * of a session ID, never the ID), a record and times. It knows nothing of cookies, secrets or
 * timeouts; all policy lives in the SessionManager.
 *
 * Times are milliseconds since the Unix epoch. Every method that decides whether a record is
 * alive takes `now` from the caller, so the manager's clock (and a test's manual clock) is the
 * only clock: a record is alive while `now < expiresAt`. A store may also let its engine
 * expire records (a TTL), but must never rely on that alone.
 *
 * Errors: a missing, expired or malformed key is not an error (`null`, `false`, a no-op). Throw
 * only for system failures: StoreUnavailableError when the engine cannot be reached, StoreError
 * when it answered with a failure. `set` and `putToken` with a key that is not a valid store
 * key ({@link isValidStoreKey}) throw InvalidStoreKeyError; `patch` and `touch` with one
 * resolve to false, since no such record can exist.
 * @module
 */

/** Any value JSON can carry. Session data is stored as JSON. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue }

/** A JSON object: the session's data. */
export type JsonObject = { [key: string]: JsonValue }

/** Who and what a session belongs to. `null` when unknown. */
export interface SessionMeta {
  userId: string | null
  tenantId: string | null
  ip: string | null
  userAgent: string | null
}

/** One stored session. */
export interface SessionRecord extends SessionMeta {
  data: JsonObject
  createdAt: number
  updatedAt: number
  lastSeenAt: number
  /** Always set: min(lastSeenAt + idleTimeout, createdAt + lifetime). */
  expiresAt: number
}

/** The times every write carries, so no write can leave a record without an expiry. */
export interface RecordTimes {
  lastSeenAt: number
  expiresAt: number
}

/**
 * A change set: keys set (with their new values) and keys removed. Applied atomically, key by
 * key, so two requests that change different keys of one session both keep their change.
 */
export interface SessionPatch extends RecordTimes {
  set: JsonObject
  remove: string[]
  updatedAt: number
  /** Metadata fields to overwrite; fields not named are left alone. */
  meta?: Partial<SessionMeta>
}

/** A record together with its key, as listing and iteration return it. */
export interface KeyedRecord {
  key: string
  record: SessionRecord
}

/** A single-use token's stored form (see StateTokens). */
export interface TokenRecord {
  value: JsonValue
  expiresAt: number
}

/**
 * Optional abilities a store declares. The manager checks them and throws
 * CapabilityUnsupportedError instead of faking one; the conformance suite tests exactly the
 * declared ones.
 */
export interface StoreCapabilities {
  /** listByUser, destroyByUser. */
  byUser: boolean
  /** cleanup. */
  cleanup: boolean
  /** entries (used by migration). */
  iterate: boolean
  /** putToken, consumeToken. */
  tokens: boolean
}

/** The required part of every store. */
export interface Store {
  /** A short name for errors and logs, e.g. `sqlite` or `memory`. */
  readonly name: string
  readonly capabilities: StoreCapabilities

  /** The live record under `key`, or null when missing, expired (`expiresAt <= now`) or malformed. */
  get(key: string, now: number): Promise<SessionRecord | null>

  /**
   * Optional, for stores that hold their records in the process (the memory store): what `get`
   * answers, returned synchronously (a failure is thrown). The manager prefers it, so a request
   * on such a store loads its session without waiting for a promise. A store that has to wait
   * for anything must leave it out.
   */
  getNow?(key: string, now: number): SessionRecord | null

  /** Inserts or fully replaces the record under `key`. */
  set(key: string, record: SessionRecord): Promise<void>

  /**
   * Applies a change set atomically, only if the record exists and is alive at `now`. Returns
   * false (and changes nothing) when it does not: a patch never resurrects a destroyed,
   * revoked or expired session.
   */
  patch(key: string, patch: SessionPatch, now: number): Promise<boolean>

  /** Updates lastSeenAt and expiresAt of a live record; false when there is none. */
  touch(key: string, times: RecordTimes, now: number): Promise<boolean>

  /** Removes the record. A missing key is a no-op. */
  destroy(key: string): Promise<void>

  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>

  // Optional capabilities: present exactly when `capabilities` says so.

  /** Live sessions of `userId`, in any order. */
  listByUser?(userId: string, now: number): Promise<KeyedRecord[]>

  /** Removes every session of `userId` except `exceptKey`; returns how many were removed. */
  destroyByUser?(userId: string, options?: { exceptKey?: string }): Promise<number>

  /** Removes records (and tokens) whose expiresAt <= now; returns how many sessions were removed. */
  cleanup?(now: number): Promise<number>

  /** Every live session record, for migration. */
  entries?(now: number): AsyncIterable<KeyedRecord>

  /** Stores a single-use token under `key` (a hash; the raw token never reaches the store). */
  putToken?(key: string, token: TokenRecord): Promise<void>

  /**
   * Removes and returns the live token under `key` in one atomic step: of any number of
   * concurrent callers, exactly one gets the value; the rest, and every later caller, get null.
   */
  consumeToken?(key: string, now: number): Promise<JsonValue | null>
}

/** A store that declares by-user listing and revocation. */
export type ByUserStore = Store & Required<Pick<Store, 'listByUser' | 'destroyByUser'>>
