/**
 * Where a sessionkit store keeps a session of the Express adapter: under the SHA-256 of its ID,
 * whatever the ID's shape. sessionkit's own IDs (43 characters) and the IDs express-session
 * issued (32 characters from uid-safe) or a `genid` option returns are hashed alike, so the
 * store never holds a usable ID. `sessionkit migrate` writes the sessions it imports from
 * connect-redis and connect-pg-simple under this key, which is why their old cookies keep
 * working.
 * @module
 */
import { hashId } from '../../core/ids.js'

/**
 * The key a sessionkit store keeps the session with this ID under (`req.sessionID`; the `sid`
 * of connect-redis's `sess:<sid>` keys and of connect-pg-simple's `sid` column): its SHA-256,
 * base64url, as for every sessionkit ID. An import that writes each session under this key
 * signs nobody out.
 */
export function storeKeyFor(sid: string): string {
  return hashId(sid)
}
