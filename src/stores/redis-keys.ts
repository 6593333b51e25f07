/**
 * Where the Redis store keeps things. Every name is under the prefix; the parts after it are
 * fixed and short, so the layout can be read (and cleaned up) with redis-cli:
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<prefix>s:<key>` | hash | one session: `d:<dataKey>` (JSON), `m:<meta>` (JSON), `x:indexed` |
 * | `<prefix>u:<sha256(userId)>` | sorted set | the user's session keys, scored by expiry |
 * | `<prefix>t:<key>` | string | a single-use token: `{"expiresAt":…,"value":…}` |
 *
 * `<key>` is the store key the manager hands over (SHA-256 of the session ID or token), so no
 * raw ID is ever written. The user ID is hashed too: it may be an e-mail address, and a key
 * name is visible to anyone who can run SCAN or MONITOR.
 * @module
 */

import { createHash } from 'node:crypto'
import { isValidStoreKey } from '../core/ids.js'

/** The names of one store's keys, derived from its prefix. */
export interface KeyLayout {
  readonly prefix: string
  /** The hash of one session. */
  session(key: string): string
  /** The sorted set indexing one user's sessions. */
  userIndex(userId: string): string
  /** One single-use token. */
  token(key: string): string
  /** The store key of a session hash's name, or null when the name is not one of ours. */
  sessionKeyOf(redisKey: string): string | null
  /** SCAN patterns (the prefix escaped) for sessions, user indexes and tokens. */
  readonly patterns: {
    readonly sessions: string
    readonly indexes: string
    readonly tokens: string
  }
}

/** The field prefix of data keys in a session hash: `d:cart`. */
export const DATA_FIELD = 'd:'
/** The field prefix of metadata and times in a session hash: `m:userId`, `m:expiresAt`. */
export const META_FIELD = 'm:'
/**
 * The field recording how far the user index is known to cover this session (see the patch
 * script); internal, never part of a record.
 */
export const INDEXED_FIELD = 'x:indexed'

/** Escapes SCAN/KEYS glob characters so a prefix such as `app[1]:` matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** The layout under `prefix`. */
export function keyLayout(prefix: string): KeyLayout {
  const sessionPrefix = `${prefix}s:`
  const glob = escapeGlob(prefix)
  return {
    prefix,
    session: (key) => `${sessionPrefix}${key}`,
    userIndex: (userId) =>
      `${prefix}u:${createHash('sha256').update(userId, 'utf8').digest('base64url')}`,
    token: (key) => `${prefix}t:${key}`,
    sessionKeyOf(redisKey) {
      if (!redisKey.startsWith(sessionPrefix)) return null
      const key = redisKey.slice(sessionPrefix.length)
      return isValidStoreKey(key) ? key : null
    },
    patterns: { sessions: `${glob}s:*`, indexes: `${glob}u:*`, tokens: `${glob}t:*` },
  }
}
