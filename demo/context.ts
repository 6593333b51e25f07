/** The types every part of the demo shares. */
import type { IncomingMessage } from 'node:http'
import type { Session, SessionManager } from '../src/index.js'
import type { DemoUser } from './users.js'

/** What the demo keeps in a session. `_csrf` is the token csrfToken() stores. */
export type DemoData = {
  /** SKU to quantity. */
  cart: Record<string, number>
  _csrf: string
}

/** Read-once messages shown on the next page. */
export type DemoFlash = {
  notice: string
  alert: string
}

export type DemoSession = Session<DemoData, DemoFlash>
export type DemoManager = SessionManager<DemoData, DemoFlash>

/** Everything a route gets. */
export interface RequestContext {
  req: IncomingMessage
  url: URL
  session: DemoSession
  sessions: DemoManager
  /** The signed-in user, or null. */
  user: DemoUser | null
  /** The POST body (already CSRF-checked); empty for GET. */
  form: URLSearchParams
  /** True when the session cookie is sent with Secure (see settings.ts). */
  secureCookies: boolean
}
