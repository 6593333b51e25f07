/**
 * The Express apps and the socket-free requests shared by in-process.ts (CPU time) and
 * instructions.ts (instruction counts): real IncomingMessage and ServerResponse objects on a
 * socket that discards what it is given, fed to bare Express, express-session + MemoryStore,
 * sessionkit/express + its memory store, or the floor (floor.ts). On a server store (Redis,
 * PostgreSQL, SQLite) the session variants are the http suite's own backends (connect-redis,
 * connect-pg-simple, better-sqlite3-session-store; sessionkit's store; the floor's), so the
 * only socket left is the store's.
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Duplex } from 'node:stream'
import express from 'express'
import expressSession from 'express-session'
import sessionkit from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { FloorSessions } from '../floor/sessions.js'
import { openBackend } from '../http/backends/index.js'
import type { Backend } from '../http/backends/types.js'
import type { BackendName } from '../http/variants.js'
import { useFloor } from './floor.js'

export type Kind = 'none' | 'es' | 'sk' | 'floor'
export type Scenario = 'read' | 'write' | 'new'
export const KINDS: readonly Kind[] = ['none', 'es', 'sk', 'floor']
export const SCENARIOS: readonly Scenario[] = ['read', 'write', 'new']
/** Where the sessions live: sessionkit's and express-session's memory stores, or a server. */
export type StoreName = 'memory' | 'redis' | 'postgres' | 'sqlite'
export const STORES: readonly StoreName[] = ['memory', 'redis', 'postgres', 'sqlite']
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
  /** Removes what a server store holds for this app and closes its connections. */
  close(): Promise<void>
}

/** The http suite's backend for `kind` on a server store. */
function serverBackend(kind: Kind, store: Exclude<StoreName, 'memory'>): Promise<Backend | null> {
  const name = (kind === 'none' ? 'none' : `${kind}-${store}`) as BackendName
  const tag = `instr${process.pid}`
  return openBackend(name, { tag, secret: SECRET, dir: runDir(), instrumented: true })
}

let dir: string | undefined
/** A temp directory of this process's own (for SQLite files): instructions.ts runs two at once. */
function runDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'sessionkit-instr-'))
  return dir
}

export async function buildApp(kind: Kind, store: StoreName = 'memory'): Promise<BenchApp> {
  const app = express()
  app.disable('x-powered-by')
  const options = {
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 86400000, secure: false },
  }
  // The http suite keeps every read within touchAfter (a minute by default) by making fresh
  // sessions before each run of a few seconds. Here a run under callgrind takes minutes, so
  // touchAfter is set past it: otherwise reads would start to touch the store midway, and the
  // count would depend on how fast the machine ran them.
  const skOptions = { ...options, touchAfter: '1h' as const }
  const backend = store === 'memory' ? null : await serverBackend(kind, store)
  if (backend?.kind === 'sessionkit') app.use(sessionkit({ ...skOptions, store: backend.store }))
  else if (backend?.kind === 'callback')
    app.use(expressSession({ ...options, store: backend.store }))
  else if (backend?.kind === 'floor') useFloor(app, backend.sessions)
  else if (kind === 'sk') app.use(sessionkit({ ...skOptions, store: new MemoryStore() }))
  else if (kind === 'es') app.use(expressSession(options))
  else if (kind === 'floor') useFloor(app, new FloorSessions(SECRET, 86400000))
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
    // A session variant that made no session would be counted doing nothing.
    if (kind !== 'none' && made === undefined) throw new Error(`${kind} on ${store}: no session`)
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
    close: async () => {
      await backend?.close()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}
