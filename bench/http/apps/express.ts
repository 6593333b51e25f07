/**
 * Express 5: no session, sessionkit/express (a drop-in for express-session, so it takes the
 * very same options) on a sessionkit store, or express-session on a peer store. The options
 * both get: resave false and saveUninitialized false (what express-session's README and
 * connect-redis's ask for), a day of cookie maxAge, insecure cookies on plain HTTP. Or the
 * floor (bench/express/floor.ts): the least any such session can do, as a yardstick.
 * @module
 */
import { createServer } from 'node:http'
import express, { type Request, type RequestHandler } from 'express'
import expressSession from 'express-session'
import { useDictionaryMode } from '../../../src/adapters/express/dictionary-mode.js'
import sessionkitSession from '../../../src/adapters/express.js'
import { useFloor } from '../../express/floor.js'
import type { Backend, RunSettings } from '../backends/types.js'
import { KEY, MAX_AGE_MS, STATS_PATH } from '../scenarios.js'
import { listen } from './listen.js'
import { countOf } from './manager.js'
import type { StartApp } from './types.js'

function middleware(backend: Backend | null, settings: RunSettings): RequestHandler | null {
  if (backend === null) return null
  const options = {
    secret: settings.secret,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: MAX_AGE_MS, secure: false },
  }
  if (backend.kind === 'sessionkit') return sessionkitSession({ ...options, store: backend.store })
  if (backend.kind === 'callback') return expressSession({ ...options, store: backend.store })
  throw new Error(`Express cannot use a ${backend.kind} store`)
}

/** The session's data as plain properties: the API both libraries share. */
function data(req: Request): Record<string, unknown> {
  return req.session as unknown as Record<string, unknown>
}

export const startExpress: StartApp = async (backend, settings, stats, backendName) => {
  const app = express()
  app.disable('x-powered-by')
  // The reference row: what bare Express does with the requests sessionkit/express sees, whose
  // req and res it puts into dictionary mode (src/adapters/express/dictionary-mode.ts).
  if (backendName === 'none-dictionary') {
    app.use((req, res, next) => {
      useDictionaryMode(req, res)
      next()
    })
  }
  app.get(STATS_PATH, async (req, res) => {
    res.type('json').send(await stats(req.url.includes('records')))
  })
  const floor = backend?.kind === 'floor' ? backend.sessions : null
  if (floor !== null) useFloor(app, floor)
  const session = floor === null ? middleware(backend, settings) : null
  if (session !== null) app.use(session)
  const withSession = floor !== null || session !== null
  app.get('/read', (req, res) => {
    res.send(String(withSession ? countOf(data(req)[KEY]) : 0))
  })
  app.post('/write', (req, res) => {
    const count = withSession ? countOf(data(req)[KEY]) + 1 : 1
    if (withSession) data(req)[KEY] = count
    res.send(String(count))
  })
  app.post('/new', (req, res) => {
    if (withSession) data(req)[KEY] = 1
    res.send('1')
  })
  app.get('/anon', (_req, res) => {
    res.send('ok')
  })
  return listen(createServer(app))
}
