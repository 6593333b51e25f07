/**
 * Session IDs of the Express adapter with a sessionkit store.
 *
 * sessionkit issues 43-character IDs (32 CSPRNG bytes, base64url) and its stores keep only
 * their SHA-256. express-session's IDs (32 characters from uid-safe, or whatever `genid`
 * returns) do not have that shape, and the core refuses any other shape before it reaches a
 * store. Such an ID is therefore mapped to a 43-character core ID by a one-way function of it:
 * the cookie keeps carrying the express-session ID, the store still sees only a hash, and the
 * mapping needs no table. `sessionkit migrate` uses {@link storeKeyFor} to put sessions imported
 * from connect-redis or connect-pg-simple where their old cookies will find them.
 * @module
 */
import { createHash } from 'node:crypto'
import { hashId, isWellFormedId } from '../../core/ids.js'

const LEGACY_ID_CONTEXT = 'sessionkit/express/session-id/v1:'

/** The core ID for a cookie's session ID: the ID itself when sessionkit issued it, else derived from it. */
export function coreIdFor(sid: string): string {
  if (isWellFormedId(sid)) return sid
  return createHash('sha256').update(LEGACY_ID_CONTEXT).update(sid).digest('base64url')
}

/**
 * The key a sessionkit store keeps the session with this express-session ID under (`req.sessionID`,
 * the `sid` of connect-redis's `sess:<sid>` keys and of connect-pg-simple's `sid` column). A
 * migration that writes each imported session under this key signs nobody out: the cookies
 * express-session issued keep working with `sessionkit/express` and the same secret.
 */
export function storeKeyFor(sid: string): string {
  return hashId(coreIdFor(sid))
}
