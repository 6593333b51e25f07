/**
 * Where a migration reads from: any sessionkit store that can iterate, or a legacy
 * express-session store (connect-redis, connect-pg-simple) read in its own layout.
 * @module
 */

import { CapabilityUnsupportedError } from '../../core/errors.js'
import type { KeyedRecord, Store } from '../../core/store.js'

/** Sessions a source passed over, by reason. */
export interface SkipCounts {
  /** Expired when read (or before it could be written). */
  expired: number
  /** Not a readable session (malformed JSON, a value of another type under the prefix). */
  unreadable: number
  /** A legacy session with no expiry anywhere (no TTL, no cookie.expires) and no --default-ttl. */
  noExpiry: number
}

/** A stream of live sessions, keyed as sessionkit stores key them. */
export interface MigrationSource {
  /** For messages: `sqlite`, `connect-redis`… */
  readonly name: string
  /** Counts filled while iterating. */
  readonly skipped: SkipCounts
  /** Every live session, each once, with its store key (SHA-256 of the session ID). */
  entries(now: number): AsyncIterable<KeyedRecord>
  /** How many sessions there are to read, to size a progress bar. May be approximate. */
  count(now: number): Promise<number>
  close(): Promise<void>
}

export function emptySkipCounts(): SkipCounts {
  return { expired: 0, unreadable: 0, noExpiry: 0 }
}

/** A sessionkit store as a source: its own iteration, keys and records as they are. */
export function storeSource(store: Store): MigrationSource {
  const entries = store.entries?.bind(store)
  if (!store.capabilities.iterate || entries === undefined) {
    throw new CapabilityUnsupportedError(store.name, 'iterating sessions (migration source)')
  }
  return {
    name: store.name,
    skipped: emptySkipCounts(),
    entries,
    async count(now) {
      let count = 0
      for await (const _ of entries(now)) count++
      return count
    },
    close: () => store.close(),
  }
}
