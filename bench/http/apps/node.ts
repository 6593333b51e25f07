/**
 * node:http: no session, or sessionkit's node adapter (`nodeSessions(manager)(handler)`).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { nodeSessions } from '../../../src/adapters/node.js'
import { KEY, STATS_PATH } from '../scenarios.js'
import { listen } from './listen.js'
import { benchManager, countOf, type SessionLike } from './manager.js'
import type { StartApp } from './types.js'

function reply(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body)
}

function route(req: IncomingMessage, res: ServerResponse, session: SessionLike | null): void {
  const key = `${req.method} ${req.url}`
  if (key === 'GET /read') {
    reply(res, String(countOf(session?.get(KEY))))
  } else if (key === 'POST /write') {
    const count = countOf(session?.get(KEY)) + 1
    session?.set(KEY, count)
    reply(res, String(count))
  } else if (key === 'POST /new') {
    session?.set(KEY, 1)
    reply(res, '1')
  } else if (key === 'GET /anon') {
    reply(res, 'ok')
  } else {
    reply(res, 'not found', 404)
  }
}

export const startNode: StartApp = async (backend, settings, stats) => {
  const withSession =
    backend === null
      ? null
      : nodeSessions(benchManager(backend, settings))((req, res) =>
          route(req, res, req.session as SessionLike | null),
        )
  const server = createServer((req, res) => {
    // The stats route stays outside the session wrapper: it never loads a session.
    if (req.url?.startsWith(STATS_PATH)) {
      stats(req.url.includes('records')).then(
        (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
        (error: unknown) => reply(res, String(error), 500),
      )
    } else if (withSession === null) {
      route(req, res, null)
    } else {
      void withSession(req, res)
    }
  })
  return listen(server)
}
