/**
 * What is known to limit a target when it is missed, from profiles (node --cpu-prof) of the
 * benchmark; printed under the targets in RESULTS.md for the missed ones only. Keep each note
 * to what was measured, and drop it once the cause is fixed.
 * @module
 */

export interface MissedNote {
  /** Which targets (by their text) the note explains. */
  matches: RegExp
  text: string
}

export const MISSED_NOTES: readonly MissedNote[] = [
  {
    matches: /^read with touchAfter/,
    text:
      'sessionkit/express on PostgreSQL patches the session on every read. On save, ' +
      '`KitEntry#sync` (src/adapters/express/kit-backend.ts) sets the `cookie` key from a fresh ' +
      'Cookie object, and the core session compares values by their JSON text; PostgreSQL ' +
      'returns the stored jsonb with its keys reordered (shorter keys first), so the cookie always ' +
      'looks changed there and the read becomes a write. The memory, SQLite and Redis stores keep ' +
      'key order and write nothing. Comparing the cookie by value (or by its fields in a fixed ' +
      'order) would make PostgreSQL reads free too, and lift its read rate.',
  },
]
