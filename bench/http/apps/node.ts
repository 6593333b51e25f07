/**
 * node:http: no session, sessionkit's node adapter (`nodeSessions(manager)(handler)`), or the
 * floor (bench/floor/sessions.ts), the least any signed, hashed-at-rest session can do.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { nodeSessions } from '../../../src/adapters/node.js'
import type { FloorSessions } from '../../floor/sessions.js'
import { KEY, STATS_PATH } from '../scenarios.js'
import { listen } from './listen.js'
import { benchManager, countOf, floorSessionLike, type SessionLike } from './manager.js'
import type { StartApp } from './types.js'

/** Called just before a reply's head is written: where the floor commits its session. */
type BeforeReply = (res: ServerResponse) => void

function reply(res: ServerResponse, body: string, status = 200, before?: BeforeReply): void {
  const send = () =>
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body)
  if (before === undefined) {
    send()
    return
  }
  before(res)
  // The floor's reply goes out after this turn's I/O, as sessionkit's adapters release theirs
  // (releaseAfterIo in src/adapters/node-gate.ts): the same behaviour, with the least work.
  setImmediate(send)
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  session: SessionLike | null,
  before?: BeforeReply,
): void {
  const key = `${req.method} ${req.url}`
  if (key === 'GET /read') {
    reply(res, String(countOf(session?.get(KEY))), 200, before)
  } else if (key === 'POST /write') {
    const count = countOf(session?.get(KEY)) + 1
    session?.set(KEY, count)
    reply(res, String(count), 200, before)
  } else if (key === 'POST /new') {
    session?.set(KEY, 1)
    reply(res, '1', 200, before)
  } else if (key === 'GET /anon') {
    reply(res, 'ok', 200, before)
  } else {
    reply(res, 'not found', 404, before)
  }
}

/** The floor's handler: load, route, and commit before the reply's head goes out. */
function floorHandler(
  sessions: FloorSessions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const session = sessions.load(req.headers.cookie)
    // Its store is the Map: load and commit answer at once.
    if (session instanceof Promise) throw new Error('the node:http floor needs a Map')
    route(req, res, floorSessionLike(session.data), (response) => {
      const setCookie = sessions.commit(session)
      if (setCookie instanceof Promise) throw new Error('the node:http floor needs a Map')
      if (setCookie !== undefined) response.setHeader('set-cookie', setCookie)
    })
  }
}

export const startNode: StartApp = async (backend, settings, stats) => {
  const withSession =
    backend === null
      ? null
      : backend.kind === 'floor'
        ? floorHandler(backend.sessions)
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
