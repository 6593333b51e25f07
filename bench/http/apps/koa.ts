/**
 * Koa 3: no session, sessionkit's Koa middleware, or the floor (bench/floor/sessions.ts) as a
 * Koa middleware, the least any signed, hashed-at-rest session can do there. Routing is a
 * switch on method and path: a router package would cost the same on both sides and is not
 * installed.
 * @module
 */
import { createServer } from 'node:http'
import Koa, { type Context, type Middleware } from 'koa'
import { type KoaFlashData, type KoaSessionData, koaSessions } from '../../../src/adapters/koa.js'
import type { SessionManager } from '../../../src/core/manager.js'
import type { FloorSessions } from '../../floor/sessions.js'
import { KEY, STATS_PATH } from '../scenarios.js'
import { listen } from './listen.js'
import { benchManager, countOf, floorSessionLike, type SessionLike } from './manager.js'
import type { StartApp } from './types.js'

function sessionOf(ctx: Context): SessionLike | null {
  return (ctx as unknown as { session?: SessionLike | null }).session ?? null
}

function route(ctx: Context): void {
  const key = `${ctx.method} ${ctx.path}`
  if (key === 'GET /read') {
    ctx.body = String(countOf(sessionOf(ctx)?.get(KEY)))
  } else if (key === 'POST /write') {
    const session = sessionOf(ctx)
    const count = countOf(session?.get(KEY)) + 1
    session?.set(KEY, count)
    ctx.body = String(count)
  } else if (key === 'POST /new') {
    sessionOf(ctx)?.set(KEY, 1)
    ctx.body = '1'
  } else if (key === 'GET /anon') {
    ctx.body = 'ok'
  } else {
    ctx.status = 404
  }
}

/**
 * The floor as Koa middleware: load, run the rest, commit before Koa writes the reply, which
 * goes out after this turn's I/O, as sessionkit/koa's does (after-io.ts).
 */
function floorMiddleware(sessions: FloorSessions): Middleware {
  return async (ctx, next) => {
    const session = sessions.load(ctx.req.headers.cookie)
    // Its store is the Map: load and commit answer at once.
    if (session instanceof Promise) throw new Error('the Koa floor needs a Map')
    ;(ctx as unknown as { session: SessionLike }).session = floorSessionLike(session.data)
    await next()
    const setCookie = sessions.commit(session)
    if (setCookie instanceof Promise) throw new Error('the Koa floor needs a Map')
    if (setCookie !== undefined) ctx.set('set-cookie', setCookie)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** Waits for the app, then for the turn's I/O, as the session middlewares here do; nothing else. */
const emptyMiddleware: Middleware = async (_, next) => {
  await next()
  await new Promise<void>((resolve) => setImmediate(resolve))
}

export const startKoa: StartApp = async (backend, settings, stats, backendName) => {
  const app = new Koa()
  app.use(async (ctx, next) => {
    if (ctx.path !== STATS_PATH) return next()
    ctx.type = 'application/json'
    ctx.body = await stats(ctx.url.includes('records'))
  })
  // The reference row: the least any session middleware costs on Koa, with no session work.
  if (backendName === 'none-middleware') app.use(emptyMiddleware)
  if (backend?.kind === 'floor') {
    app.use(floorMiddleware(backend.sessions))
  } else if (backend !== null) {
    const manager = benchManager(backend, settings)
    app.use(koaSessions(manager as unknown as SessionManager<KoaSessionData, KoaFlashData>))
  }
  app.use(route)
  return listen(createServer(app.callback()))
}
