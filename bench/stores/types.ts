/**
 * What each store's benchmark module provides: the same three operations done by the
 * sessionkit store, by the raw driver doing the round trips the store does, and, where one
 * applies, by the express-session store people use today.
 * @module
 */
import type { Op } from '../harness.js'
import type { Fixture } from './fixture.js'

/** The operations measured for every store. */
export const OPERATIONS = ['get', 'patch', 'touch'] as const
export type Operation = (typeof OPERATIONS)[number]

/**
 * One implementation of the three operations. Each op is checked once before timing: `get`
 * must find the session, `patch` and `touch` must report that they changed it. An operation
 * an implementation has no counterpart for is left out.
 */
export type Ops = Partial<Record<Operation, Op>>

/** An express-session store beside sessionkit: get / set / touch through its callback API. */
export interface Peer {
  /** e.g. `connect-redis 9`. */
  name: string
  /** `patch` is the peer's `set`: express-session writes the whole session on every change. */
  ops: Ops
}

/** Everything opened for one store's benchmark. */
export interface Bench {
  sessionkit: Ops
  raw: Ops
  /** What the raw column is, e.g. `pg, same SQL`. */
  rawName: string
  peer: Peer | null
  /** Removes every table, key and file the benchmark made, and closes connections. */
  cleanup(): Promise<void>
}

/** A store's benchmark, or why it cannot run on this machine. */
export type Opened = Bench | { skip: string }

/** One store's benchmark module. */
export interface StoreTarget {
  /** The store's name, as in openStore URLs. */
  name: string
  open(fixture: Fixture): Promise<Opened>
}
