/**
 * What a session backend gives the bench app: the store to hand to the library, its live write
 * counts, a way to count its sessions, and a way to remove what the run stored.
 * @module
 */
import type { Store as ExpressStore } from 'express-session'
import type { Store as SessionkitStore } from '../../../src/core/store.js'
import type { FloorSessions } from '../../floor/sessions.js'
import type { WriteCounts } from './count.js'

/** What every server child gets from the orchestrator, through its environment. */
export interface RunSettings {
  /** Random per run: table prefixes and key prefixes carry it. */
  tag: string
  secret: string
  /** A temp directory of the run's own, for SQLite files. */
  dir: string
  /**
   * The process runs under valgrind (bench/express/instructions.ts), tens of times slower:
   * sessionkit's stores get time limits long enough that they count work, not time-outs.
   */
  instrumented?: boolean
}

interface Common {
  writes: WriteCounts
  /** Sessions stored now, or null when the store cannot tell. */
  records(): Promise<number | null>
  /** Drops the run's tables or keys and closes connections. */
  close(): Promise<void>
}

export interface SessionkitBackend extends Common {
  kind: 'sessionkit'
  store: SessionkitStore
}

/** An express-session store (express-session's MemoryStore, connect-redis …). */
export interface CallbackBackend extends Common {
  kind: 'callback'
  store: ExpressStore
}

/** @fastify/session's default store. */
export interface FastifySessionBackend extends Common {
  kind: 'fastify-session'
  store: object
}

/** The floor (bench/floor/sessions.ts): a yardstick, not a store a library is given. */
export interface FloorBackend extends Common {
  kind: 'floor'
  sessions: FloorSessions
}

export type Backend = SessionkitBackend | CallbackBackend | FastifySessionBackend | FloorBackend
