/**
 * The four HTTP scenarios and the settings every app shares, so that sessionkit and its peers
 * are configured alike: same secret, same cookie lifetime, insecure cookies on plain HTTP.
 * @module
 */

export const SCENARIOS = ['read', 'write', 'new', 'anonymous'] as const
export type Scenario = (typeof SCENARIOS)[number]

export interface ScenarioRequest {
  method: 'GET' | 'POST'
  path: string
  /** Each connection carries the cookie of a session created for it before the round. */
  withCookie: boolean
}

/** What each scenario sends. */
export const REQUESTS: Readonly<Record<Scenario, ScenarioRequest>> = {
  // An existing session, one value read.
  read: { method: 'GET', path: '/read', withCookie: true },
  // An existing session, one value changed.
  write: { method: 'POST', path: '/write', withCookie: true },
  // No cookie: the first write creates the session.
  new: { method: 'POST', path: '/new', withCookie: false },
  // No cookie, nothing set: no session may be stored.
  anonymous: { method: 'GET', path: '/anon', withCookie: false },
}

/** The session value every route reads or changes. */
export const KEY = 'count'

/** Cookie lifetime and idle timeout of every variant: a day. */
export const MAX_AGE_MS = 24 * 60 * 60 * 1000

/** Where the bench app (not the library) reports its store's call counts. */
export const STATS_PATH = '/__stats'

/** What GET /__stats answers. */
export interface ServerStats {
  /** Calls of each store method that writes, since the server started. */
  writes: Record<string, number>
  /** Sessions in the store, where the store can count them. */
  records: number | null
}

/** Store methods that write: counted in every store, sessionkit's and the peers'. */
export const WRITE_METHODS = ['set', 'patch', 'touch', 'destroy'] as const
