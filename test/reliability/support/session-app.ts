/**
 * A real HTTP server on a store, for the outage tests: every request bumps a counter in its
 * session and answers `{"n": <count>}`. Two fronts: the node adapter on node:http, and
 * sessionkit/express (the express-session drop-in) in an Express 5 app in production mode, with
 * Express's own final error handler answering its failures, as in a typical Express app.
 * Errors the adapter answers for are collected (never logged) so a test can check them.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type NextFunction, type Request, type Response } from 'express'
import expressSession from '../../../src/adapters/express.js'
import { nodeSessions } from '../../../src/adapters/node.js'
import { SessionManager } from '../../../src/core/manager.js'
import type { Store } from '../../../src/core/store.js'

export type AppFront = 'node' | 'express'

export interface SessionApp {
  readonly url: string
  readonly secret: string
  /** The exact bodies the app may answer a store failure with. */
  readonly failureBodies: readonly string[]
  /** Every error the adapter answered for, with when (performance.now()) it happened. */
  readonly errors: { error: unknown; at: number }[]
  close(): Promise<void>
}

/** What Express's final handler sends for a 503 in production: the status text, nothing else. */
const EXPRESS_503 =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Service Unavailable</pre>\n</body>\n</html>\n'
const NODE_503 = 'Service Unavailable: sessions are temporarily unavailable, please retry.\n'

function nodeFront(store: Store, secret: string, errors: SessionApp['errors']) {
  const manager = new SessionManager<{ n: number }>({
    store,
    secrets: [secret],
    cookie: { secure: false },
    cleanupInterval: null,
  })
  const withSession = nodeSessions(manager, {
    onError: (error) => errors.push({ error, at: performance.now() }),
  })
  const listener: RequestListener = withSession(async (req, res) => {
    const n = (req.session?.get('n') ?? 0) + 1
    req.session?.set('n', n)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ n }))
  })
  return { listener, close: () => manager.close(), failureBodies: [NODE_503] }
}

function expressFront(store: Store, secret: string, errors: SessionApp['errors']) {
  const app = express()
  // Production, as deployed: Express's final handler then sends no stack trace.
  app.set('env', 'production')
  app.use(
    expressSession({
      store,
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { secure: false },
      cleanupInterval: null,
      onError: (error) => errors.push({ error, at: performance.now() }),
    }),
  )
  app.get('/visit', (req: Request, res: Response) => {
    // The counter is a plain property, as with express-session.
    const data = req.session as unknown as { n?: number }
    data.n = (data.n ?? 0) + 1
    res.json({ n: data.n })
  })
  // Load failures reach the app's error chain (as with express-session): recorded, then left
  // to Express's final handler.
  app.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    errors.push({ error, at: performance.now() })
    next(error)
  })
  // A load failure goes to next(err), so Express's final handler answers; a failed save is
  // answered by the middleware itself, with the same text as the node adapter.
  return {
    listener: app as RequestListener,
    close: () => store.close(),
    failureBodies: [EXPRESS_503, NODE_503],
  }
}

export async function startSessionApp(store: Store, front: AppFront = 'node'): Promise<SessionApp> {
  const secret = randomBytes(32).toString('base64url')
  const errors: SessionApp['errors'] = []
  const built =
    front === 'node' ? nodeFront(store, secret, errors) : expressFront(store, secret, errors)
  const server: Server = createServer(built.listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/visit`,
    secret,
    failureBodies: built.failureBodies,
    errors,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await built.close()
    },
  }
}
