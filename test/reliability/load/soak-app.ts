/**
 * The soak's Express app on sessionkit/express: the requests a real app makes of its sessions.
 *
 * | route | does |
 * | --- | --- |
 * | `GET /read` | answers `{ value }`: the session's value, or null |
 * | `GET /write?value=…` | stores the value (a client without a cookie gets a new session) |
 * | `POST /regenerate` | a login: new ID, the value carried over, the old ID dead |
 * | `POST /destroy` | a logout: the session is removed from the store |
 */
import express, { type Express } from 'express'
import session from '../../../src/adapters/express.js'
import type { Store } from '../../../src/core/store.js'

declare module '../../../src/adapters/express.js' {
  interface SessionData {
    soakValue?: string
  }
}

/** The session policy the soak runs with (see soak.test.ts for why these values). */
export interface SoakPolicy {
  idleTimeoutMs: number
  cleanupIntervalMs: number
}

export function soakApp(store: Store, secret: string, policy: SoakPolicy): Express {
  const app = express()
  app.use(
    session({
      secret,
      store,
      resave: false,
      saveUninitialized: false,
      idleTimeout: policy.idleTimeoutMs,
      cleanupInterval: policy.cleanupIntervalMs,
    }),
  )
  app.get('/read', (req, res) => {
    res.json({ value: req.session.soakValue ?? null })
  })
  app.get('/write', (req, res) => {
    const value = req.query.value
    if (typeof value !== 'string') {
      res.status(400).send('value missing')
      return
    }
    req.session.soakValue = value
    res.json({ value })
  })
  app.post('/regenerate', (req, res, next) => {
    const value = req.session.soakValue
    req.session.regenerate((error) => {
      if (error) return next(error)
      req.session.soakValue = value
      res.json({ value: value ?? null })
    })
  })
  app.post('/destroy', (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error)
      res.json({ value: null })
    })
  })
  return app
}
