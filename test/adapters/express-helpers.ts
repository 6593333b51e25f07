/**
 * Builders for the Express adapter tests: a real Express 5 app on 127.0.0.1:0, and a tiny
 * express-session-compatible store (a real implementation of the callback API, as a
 * third-party store would write it).
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express, type RequestHandler } from 'express'
import { Store, type StoredSession } from '../../src/adapters/express.js'

/** 32 random bytes, base64url. */
export const EXPRESS_SECRET = randomBytes(32).toString('base64url')

/** A running app. */
export interface Served {
  url: string
  close(): Promise<void>
}

/** Serves `app` on 127.0.0.1 on a free port. */
export async function serve(app: Express): Promise<Served> {
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** An Express app with `middleware` in front of `routes`, and a JSON error handler. */
export function appWith(middleware: RequestHandler, routes: (app: Express) => void): Express {
  const app = express()
  app.use(middleware)
  routes(app)
  return app
}

/** The data a request set, as plain JSON (what the app sees in req.session, cookie left out). */
export function dataOf(session: object | undefined): Record<string, unknown> {
  if (session === undefined) return {}
  const { cookie: _, ...data } = JSON.parse(JSON.stringify(session)) as Record<string, unknown>
  return data
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * A third-party-style store: extends Store and implements the callback API over a Map of JSON
 * strings, expiring sessions by `cookie.expires` as express-session's MemoryStore does. Every
 * answer is asynchronous, as a networked store's would be.
 */
export class MapStore extends Store {
  readonly sessions = new Map<string, string>()
  readonly calls: string[] = []

  get(sid: string, callback: (err: unknown, session?: StoredSession | null) => void): void {
    this.calls.push(`get ${sid}`)
    setImmediate(() => {
      const json = this.sessions.get(sid)
      if (json === undefined) return callback(null, null)
      const session = JSON.parse(json) as StoredSession & { cookie: { expires?: string | null } }
      const expires = session.cookie?.expires
      if (expires && Date.parse(expires) <= Date.now()) {
        this.sessions.delete(sid)
        return callback(null, null)
      }
      callback(null, session)
    })
  }

  set(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void {
    this.calls.push(`set ${sid}`)
    this.sessions.set(sid, JSON.stringify(session))
    setImmediate(() => callback?.())
  }

  destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.calls.push(`destroy ${sid}`)
    this.sessions.delete(sid)
    setImmediate(() => callback?.())
  }

  override touch(sid: string, session: StoredSession, callback?: (err?: unknown) => void): void {
    this.calls.push(`touch ${sid}`)
    const json = this.sessions.get(sid)
    if (json !== undefined) {
      const current = JSON.parse(json) as Record<string, unknown>
      current.cookie = JSON.parse(JSON.stringify(session.cookie))
      this.sessions.set(sid, JSON.stringify(current))
    }
    setImmediate(() => callback?.())
  }

  override all(
    callback: (err: unknown, sessions?: { [sid: string]: StoredSession }) => void,
  ): void {
    const all: Record<string, StoredSession> = {}
    for (const [sid, json] of this.sessions) all[sid] = JSON.parse(json) as StoredSession
    setImmediate(() => callback(null, all))
  }

  /** The stored session under `sid`, parsed, or undefined. */
  read(sid: string): Record<string, unknown> | undefined {
    const json = this.sessions.get(sid)
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>)
  }
}
