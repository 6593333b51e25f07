/**
 * The Express apps and the socket-free requests shared by in-process.ts (CPU time) and
 * instructions.ts (instruction counts): real IncomingMessage and ServerResponse objects on a
 * socket that discards what it is given, fed to bare Express, express-session + MemoryStore,
 * sessionkit/express + its memory store, or the floor (floor.ts).
 * @module
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import express from 'express'
import expressSession from 'express-session'
import sessionkit from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { FloorSessions } from '../floor/sessions.js'
import { useFloor } from './floor.js'

export type Kind = 'none' | 'es' | 'sk' | 'floor'
export type Scenario = 'read' | 'write' | 'new'
export const KINDS: readonly Kind[] = ['none', 'es', 'sk', 'floor']
export const SCENARIOS: readonly Scenario[] = ['read', 'write', 'new']
/** Requests in flight, as the http suite's 50 connections. */
export const IN_FLIGHT = 50

const SECRET = '0123456789abcdef0123456789abcdef'

class Sink extends Duplex {
  override _read() {}
  override _write(_c: unknown, _e: unknown, cb: () => void) {
    cb()
  }
  override _writev(_c: unknown, cb: () => void) {
    cb()
  }
}

/** One socket per request in flight, as one connection each (a socket takes one response at a time). */
const sockets: Socket[] = []
function socketFor(slot: number): Socket {
  let socket = sockets[slot]
  if (socket === undefined) {
    socket = new Sink() as unknown as Socket
    Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' })
    sockets[slot] = socket
  }
  return socket
}

/** Sends one request through `app`; resolves with the first Set-Cookie's name=value, if any. */
function request(
  app: express.Express,
  method: string,
  url: string,
  cookie: string | undefined,
  slot: number,
): Promise<string | undefined> {
  const socket = socketFor(slot)
  const req = new IncomingMessage(socket)
  req.method = method
  req.url = url
  req.headers = cookie ? { host: 'x', cookie } : { host: 'x' }
  req.complete = true
  req.push(null)
  const res = new ServerResponse(req)
  res.assignSocket(socket)
  return new Promise((resolve) => {
    res.on('finish', () => {
      const sc = res.getHeader('set-cookie')
      res.detachSocket(socket)
      resolve(sc ? String(Array.isArray(sc) ? sc[0] : sc).split(';')[0] : undefined)
    })
    app(req as express.Request, res as express.Response)
  })
}

/** An app of `kind` with one session per request slot, ready to run a scenario. */
export interface BenchApp {
  /** Runs `count` requests of the scenario, IN_FLIGHT at a time. */
  run(scenario: Scenario, count: number): Promise<void>
}

export async function buildApp(kind: Kind): Promise<BenchApp> {
  const app = express()
  app.disable('x-powered-by')
  const options = {
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 86400000, secure: false },
  }
  if (kind === 'sk') app.use(sessionkit({ ...options, store: new MemoryStore() }))
  if (kind === 'es') app.use(expressSession(options))
  if (kind === 'floor') useFloor(app, new FloorSessions(SECRET, 86400000))
  const data = (req: express.Request) => req.session as unknown as Record<string, number>
  app.get('/read', (req, res) => {
    res.send(String(kind === 'none' ? 0 : (data(req).n ?? 0)))
  })
  app.post('/write', (req, res) => {
    const n = kind === 'none' ? 1 : (data(req).n ?? 0) + 1
    if (kind !== 'none') data(req).n = n
    res.send(String(n))
  })
  app.post('/new', (req, res) => {
    if (kind !== 'none') data(req).n = 1
    res.send('1')
  })
  // A session per slot, as the http suite gives each connection its own.
  const cookies: (string | undefined)[] = []
  for (let slot = 0; slot < IN_FLIGHT; slot++) {
    const made = await request(app, 'POST', '/new', undefined, slot)
    cookies.push(made)
  }
  return {
    async run(scenario, count) {
      const method = scenario === 'read' ? 'GET' : 'POST'
      for (let done = 0; done < count; done += IN_FLIGHT) {
        const batch: Promise<unknown>[] = []
        for (let slot = 0; slot < IN_FLIGHT; slot++) {
          const cookie = scenario === 'new' ? undefined : cookies[slot]
          batch.push(request(app, method, `/${scenario}`, cookie, slot))
        }
        await Promise.all(batch)
      }
    },
  }
}
