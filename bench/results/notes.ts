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

export const MISSED_NOTES: readonly MissedNote[] = []
