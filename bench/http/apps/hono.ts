/**
 * Hono on @hono/node-server: no session, sessionkit's Hono middleware, or the floor
 * (bench/floor/sessions.ts) as a Hono middleware, the least any signed, hashed-at-rest session
 * can do there.
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { sessionMiddleware } from '../../../src/adapters/hono.js'
import type { FloorSessions } from '../../floor/sessions.js'
import { KEY, STATS_PATH } from '../scenarios.js'
import { benchManager, countOf, floorSessionLike, type SessionLike } from './manager.js'
import type { Listening, StartApp } from './types.js'

function sessionOf(c: Context): SessionLike | null {
  return (c.get('session') as SessionLike | null | undefined) ?? null
}

/**
 * The floor as Hono middleware: any Hono middleware runs the app through Hono's compose (a bare
 * app with one handler per route skips it), so this is the least a session middleware costs on
 * Hono. Its reply goes out after this turn's I/O, as sessionkit/hono's does (after-io.ts).
 */
function floorMiddleware(sessions: FloorSessions): MiddlewareHandler {
  return async (c, next) => {
    const session = sessions.load(c.req.header('cookie'))
    // Its store is the Map: load and commit answer at once.
    if (session instanceof Promise) throw new Error('the Hono floor needs a Map')
    c.set('session', floorSessionLike(session.data))
    await next()
    const setCookie = sessions.commit(session)
    if (setCookie instanceof Promise) throw new Error('the Hono floor needs a Map')
    // Only a new session's first write: the bench's handlers build a new Response per request,
    // so its headers may be changed in place.
    if (setCookie !== undefined) c.res.headers.append('set-cookie', setCookie)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** Waits for the app, then for the turn's I/O, as the session middlewares here do; nothing else. */
const emptyMiddleware: MiddlewareHandler = async (_, next) => {
  await next()
  await new Promise<void>((resolve) => setImmediate(resolve))
}

export const startHono: StartApp = async (backend, settings, stats, backendName) => {
  const app = new Hono()
  app.get(STATS_PATH, async (c) =>
    c.body(await stats(c.req.url.includes('records')), 200, { 'content-type': 'application/json' }),
  )
  // The reference row: the least any session middleware costs on Hono, with no session work.
  if (backendName === 'none-middleware') app.use('/*', emptyMiddleware)
  if (backend?.kind === 'floor') app.use('/*', floorMiddleware(backend.sessions))
  else if (backend !== null) app.use('/*', sessionMiddleware(benchManager(backend, settings)))
  app.get('/read', (c) => c.text(String(countOf(sessionOf(c)?.get(KEY)))))
  app.post('/write', (c) => {
    const session = sessionOf(c)
    const count = countOf(session?.get(KEY)) + 1
    session?.set(KEY, count)
    return c.text(String(count))
  })
  app.post('/new', (c) => {
    sessionOf(c)?.set(KEY, 1)
    return c.text('1')
  })
  app.get('/anon', (c) => c.text('ok'))
  return new Promise<Listening>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
      const { port } = server.address() as AddressInfo
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            if ('closeAllConnections' in server) server.closeAllConnections()
          }),
      })
    })
  })
}
