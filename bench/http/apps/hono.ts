/**
 * Hono on @hono/node-server: no session, or sessionkit's Hono middleware.
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { sessionMiddleware } from '../../../src/adapters/hono.js'
import { KEY, STATS_PATH } from '../scenarios.js'
import { benchManager, countOf, type SessionLike } from './manager.js'
import type { Listening, StartApp } from './types.js'

function sessionOf(c: Context): SessionLike | null {
  return (c.get('session') as SessionLike | null | undefined) ?? null
}

export const startHono: StartApp = async (backend, settings, stats) => {
  const app = new Hono()
  app.get(STATS_PATH, async (c) =>
    c.body(await stats(c.req.url.includes('records')), 200, { 'content-type': 'application/json' }),
  )
  if (backend !== null) app.use('/*', sessionMiddleware(benchManager(backend, settings)))
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
