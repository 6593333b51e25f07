/**
 * The sessions every store benchmark works on: created before timing, keyed by the SHA-256 of
 * a fresh session ID (as the manager keys them), each with a user and ~200 bytes of data.
 * Calls pick a session round robin, so concurrent calls rarely hit the same one.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { generateId, hashId } from '../../src/core/ids.js'
import type { RecordTimes, SessionPatch, SessionRecord } from '../../src/core/store.js'

export interface Fixture {
  /** Store keys (hashed IDs): sessionkit and the raw drivers use these. */
  keys: readonly string[]
  /** The records stored under `keys`, in the same order. */
  records: readonly SessionRecord[]
  /** A short random tag for table names and key prefixes, so runs never collide. */
  tag: string
  /** The `now` every call passes: all sessions are alive at it. */
  now: number
  key(i: number): string
  record(i: number): SessionRecord
  /** The change set of call `i`: one key set, the times moved. */
  patch(i: number): SessionPatch
  /** The times of touch call `i`. */
  times(i: number): RecordTimes
  /** An express-session style session for the peers (data plus a `cookie`). */
  expressSession(i: number): ExpressSessionShape
}

export interface ExpressSessionShape {
  cookie: { originalMaxAge: number; expires: string; httpOnly: boolean; path: string }
  [key: string]: unknown
}

const HOUR = 3_600_000

/** `count` sessions alive for the next hour. */
export function createFixture(count: number): Fixture {
  const now = Date.now()
  const expiresAt = now + HOUR
  const keys = Array.from({ length: count }, () => hashId(generateId()))
  const records: SessionRecord[] = keys.map((_, index) => ({
    data: {
      cart: ['sku-1001', 'sku-2002', 'sku-3003'],
      theme: 'dark',
      csrf: randomBytes(24).toString('base64url'),
      visits: index,
      flash: { notice: 'Saved' },
    },
    userId: `user-${index % 100}`,
    tenantId: null,
    ip: '127.0.0.1',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt,
  }))
  const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T
  return {
    keys,
    records,
    tag: randomBytes(4).toString('hex'),
    now,
    key: (i) => at(keys, i),
    record: (i) => at(records, i),
    patch: (i) => ({
      set: { visits: i },
      remove: [],
      updatedAt: now + 1,
      lastSeenAt: now + 1,
      expiresAt,
    }),
    times: () => ({ lastSeenAt: now + 1, expiresAt }),
    expressSession: (i) => ({
      cookie: {
        originalMaxAge: HOUR,
        expires: new Date(expiresAt).toISOString(),
        httpOnly: true,
        path: '/',
      },
      ...at(records, i).data,
      visits: i,
    }),
  }
}
