/**
 * The floor: the least work any signed, hashed-at-rest session can do per request, as a
 * yardstick beside the session libraries (not a session library: no options, no expiry
 * policy beyond one timestamp, no error handling, no concurrency care, no metadata).
 *
 * On load it parses the Cookie header, checks express-session's HMAC-SHA256 signature in
 * constant time, SHA-256s the ID, gets the record from its store, JSON.parses it and checks the
 * expiry. On commit it compares the session's JSON with what was loaded; when it changed it
 * stores the session under the hashed ID (issuing a new CSPRNG ID and a signed Set-Cookie for a
 * first write). Its store is a Map (synchronous: the cheapest there is) or one round trip per
 * call to a server (a GET to load, a SET to store, on Redis).
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { parse, serialize } from 'cookie'
import { hmacSha256 } from '../../src/core/hmac.js'
import { hashId } from '../../src/core/ids.js'

export const FLOOR_COOKIE = 'connect.sid'

/** One request's session. */
export interface FloorSession {
  data: Record<string, unknown>
  /** The store key (hashed ID) of a loaded session; null before the first write. */
  key: string | null
  /** The data's JSON as loaded: a commit writes only when it changed. */
  loaded: string
}

/** Where the floor keeps records: synchronous (a Map) or a server. */
export interface FloorStore {
  get(key: string): string | undefined | Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): undefined | Promise<unknown>
  /** Records held now, where the store can count them. */
  count(): Promise<number | null>
  close(): Promise<void>
}

// The cheapest HMAC and SHA-256 node offers (one-shot hashes, no Hash or Hmac object per call,
// sessionkit's own functions since 2026-11-29): the floor stays the least work.
function mac(secret: string, value: string): string {
  return hmacSha256(secret, value, 'base64').replace(/=+$/, '')
}

/** A request without a (live) session: the first write will create one. */
function noSession(): FloorSession {
  return { data: {}, key: null, loaded: '{}' }
}

export class FloorSessions {
  readonly #secret: string
  readonly #maxAgeMs: number
  readonly store: FloorStore
  /** Records stored so far, as the bench counts a store's writes. */
  readonly writes = { set: 0 }

  constructor(secret: string, maxAgeMs: number, store: FloorStore = new MapFloorStore()) {
    this.#secret = secret
    this.#maxAgeMs = maxAgeMs
    this.store = store
  }

  /** The session the Cookie header names; a promise when the store answers asynchronously. */
  load(cookieHeader: string | undefined): FloorSession | Promise<FloorSession> {
    const key = this.#verifiedKey(cookieHeader)
    if (key === null) return noSession()
    const stored = this.store.get(key)
    return stored instanceof Promise
      ? stored.then((value) => this.#open(key, value))
      : this.#open(key, stored)
  }

  /**
   * Stores the session when its data changed. The Set-Cookie to send for a new one; a promise
   * of it when the store answers asynchronously.
   */
  commit(session: FloorSession): string | undefined | Promise<string | undefined> {
    const json = JSON.stringify(session.data)
    if (json === session.loaded) return undefined
    let setCookie: string | undefined
    if (session.key === null) {
      const id = randomBytes(32).toString('base64url')
      session.key = hashId(id)
      setCookie = serialize(FLOOR_COOKIE, `s:${id}.${mac(this.#secret, id)}`, {
        path: '/',
        httpOnly: true,
        maxAge: this.#maxAgeMs / 1000,
      })
    }
    this.writes.set++
    const record = `{"expiresAt":${Date.now() + this.#maxAgeMs},"data":${json}}`
    const stored = this.store.set(session.key, record, this.#maxAgeMs)
    return stored instanceof Promise ? stored.then(() => setCookie) : setCookie
  }

  /** The store key of the session the signed cookie names, or null. */
  #verifiedKey(cookieHeader: string | undefined): string | null {
    const raw = cookieHeader === undefined ? undefined : parse(cookieHeader)[FLOOR_COOKIE]
    if (!raw?.startsWith('s:')) return null
    const signed = raw.slice(2)
    const dot = signed.lastIndexOf('.')
    const id = signed.slice(0, dot)
    const given = Buffer.from(signed.slice(dot + 1))
    const expected = Buffer.from(mac(this.#secret, id))
    if (dot <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return null
    }
    return hashId(id)
  }

  #open(key: string, stored: string | undefined): FloorSession {
    const record =
      stored === undefined
        ? undefined
        : (JSON.parse(stored) as { expiresAt: number; data: Record<string, unknown> })
    if (record === undefined || record.expiresAt <= Date.now()) return noSession()
    return { data: record.data, key, loaded: JSON.stringify(record.data) }
  }
}

/** The floor's records in a Map, synchronously. */
export class MapFloorStore implements FloorStore {
  readonly #records = new Map<string, string>()

  get(key: string): string | undefined {
    return this.#records.get(key)
  }

  set(key: string, value: string): undefined {
    this.#records.set(key, value)
    return undefined
  }

  async count(): Promise<number> {
    return this.#records.size
  }

  async close(): Promise<void> {}
}
