/**
 * The floor: the least work any signed, hashed-at-rest session can do per request, as a
 * yardstick beside the session libraries (not a session library: no options, no expiry
 * policy beyond one timestamp, no error handling, no concurrency care, no metadata).
 *
 * On load it parses the Cookie header, checks express-session's HMAC-SHA256 signature in
 * constant time, SHA-256s the ID, does a Map get and a JSON.parse, and checks the expiry. On
 * commit it compares the session's JSON with what was loaded; when it changed it stores the
 * session under the hashed ID (issuing a new CSPRNG ID and a signed Set-Cookie for a first
 * write). Everything is synchronous: the Map is the cheapest store there is.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { parse, serialize } from 'cookie'

export const FLOOR_COOKIE = 'connect.sid'

/** One request's session. */
export interface FloorSession {
  data: Record<string, unknown>
  /** The store key (hashed ID) of a loaded session; null before the first write. */
  key: string | null
  /** The data's JSON as loaded: a commit writes only when it changed. */
  loaded: string
}

function mac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

export class FloorSessions {
  readonly #secret: string
  readonly #maxAgeMs: number
  readonly #store = new Map<string, string>()
  /** Sessions stored (written) so far, as the bench counts a store's writes. */
  readonly writes = { set: 0 }

  constructor(secret: string, maxAgeMs: number) {
    this.#secret = secret
    this.#maxAgeMs = maxAgeMs
  }

  /** Sessions held now. */
  get size(): number {
    return this.#store.size
  }

  load(cookieHeader: string | undefined): FloorSession {
    const raw = cookieHeader === undefined ? undefined : parse(cookieHeader)[FLOOR_COOKIE]
    if (raw?.startsWith('s:')) {
      const signed = raw.slice(2)
      const dot = signed.lastIndexOf('.')
      const id = signed.slice(0, dot)
      const given = Buffer.from(signed.slice(dot + 1))
      const expected = Buffer.from(mac(this.#secret, id))
      if (dot > 0 && given.length === expected.length && timingSafeEqual(given, expected)) {
        const key = hashId(id)
        const stored = this.#store.get(key)
        const record =
          stored === undefined
            ? undefined
            : (JSON.parse(stored) as { expiresAt: number; data: Record<string, unknown> })
        if (record !== undefined && record.expiresAt > Date.now()) {
          return { data: record.data, key, loaded: JSON.stringify(record.data) }
        }
      }
    }
    return { data: {}, key: null, loaded: '{}' }
  }

  /** Stores the session when its data changed; the Set-Cookie to send for a new one. */
  commit(session: FloorSession): string | undefined {
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
    this.#store.set(session.key, `{"expiresAt":${Date.now() + this.#maxAgeMs},"data":${json}}`)
    this.writes.set++
    return setCookie
  }
}
