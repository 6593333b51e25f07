/**
 * Turning an express-session session (as connect-redis and connect-pg-simple keep it: JSON
 * with a `cookie` object) into a sessionkit record, in the layout `sessionkit/express` reads.
 *
 * The contract with the Express adapter is its own `storeKeyFor(sid)`: a legacy session is
 * written under the key the adapter derives from the express-session ID that the old signed
 * cookie (`s:<sid>.<signature>`) carries, so that cookie keeps working after the move. The
 * `cookie` object stays in the data without `expires` (the record's expiry replaces it), as the
 * adapter's own CompatStore#set stores it.
 * @module
 */

import { storeKeyFor } from '../../adapters/express/ids.js'
import { isJsonObject } from '../../core/json.js'
import type { JsonObject, JsonValue, SessionRecord } from '../../core/store.js'

/** The store key of a legacy session: where `sessionkit/express` looks for its ID. */
export function legacyStoreKey(sid: string): string {
  return storeKeyFor(sid)
}

/** Why a legacy session was not migrated. */
export type LegacySkip = 'unreadable' | 'noExpiry' | 'expired'

/** How legacy sessions are read. */
export interface LegacyOptions {
  /** A data key (dotted for nesting, e.g. `passport.user`) holding the user ID, or none. */
  userField?: string
  /** Expiry for sessions that carry none, in ms; without it they are skipped. */
  defaultTtlMs?: number
}

/** The user ID at `path` in `data`: a string, or a number written as one; otherwise null. */
export function userIdAt(data: JsonObject, path: string | undefined): string | null {
  if (path === undefined) return null
  let value: JsonValue | undefined = data
  for (const part of path.split('.')) {
    if (!isJsonObject(value) || !Object.hasOwn(value, part)) return null
    value = value[part]
  }
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

function cookieExpiry(sess: JsonObject): number | null {
  const cookie = sess.cookie
  if (!isJsonObject(cookie) || typeof cookie.expires !== 'string') return null
  const at = Date.parse(cookie.expires)
  return Number.isFinite(at) ? at : null
}

/**
 * The record for a legacy session, or why it is skipped.
 *
 * Expiry: the store's own (Redis TTL, the `expire` column) when it has one, since
 * express-session's touch moves only that and leaves `cookie.expires` in the JSON behind;
 * otherwise `cookie.expires`; otherwise `defaultTtlMs` from now. createdAt and lastSeenAt are
 * the migration time: the legacy stores do not keep them.
 */
export function legacyRecord(
  text: string,
  storeExpiresAt: number | null,
  now: number,
  options: LegacyOptions,
): SessionRecord | LegacySkip {
  let sess: unknown
  try {
    sess = JSON.parse(text)
  } catch {
    return 'unreadable'
  }
  if (!isJsonObject(sess)) return 'unreadable'
  const expiresAt =
    storeExpiresAt ??
    cookieExpiry(sess) ??
    (options.defaultTtlMs === undefined ? null : now + options.defaultTtlMs)
  if (expiresAt === null) return 'noExpiry'
  if (expiresAt <= now) return 'expired'
  const { cookie, ...rest } = sess
  const data: JsonObject = { ...rest }
  if (isJsonObject(cookie)) {
    const { expires: _expires, ...settings } = cookie
    data.cookie = settings
  }
  return {
    data,
    userId: userIdAt(rest, options.userField),
    tenantId: null,
    ip: null,
    userAgent: null,
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt,
  }
}
