/**
 * Express request cost without sockets: `node --import tsx bench/express/in-process.ts
 * read|write|new [requests=500] [rounds=40]`. Real IncomingMessage and ServerResponse objects on
 * a socket that discards what it is given, fed 50 at a time to bare Express, express-session + MemoryStore
 * and sessionkit/express + its memory store in turn; prints CPU µs per
 * request (median of the rounds) and the ratios (median of the rounds' ratios: the machine's
 * speed drifts between rounds, and a ratio within one round cancels most of the drift). It leaves out the kernel's share of a request,
 * which over loopback HTTP is the same for every variant, so it separates the libraries' own
 * costs more sharply than the http suite (whose ratios are the ones the targets use). Not part
 * of `npm run bench`.
 * @module
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Duplex } from 'node:stream'
import express from 'express'
import expressSession from 'express-session'
import sessionkit from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { useFloor } from './floor.js'

class Sink extends Duplex {
  override _read() {}
  override _write(_c: unknown, _e: unknown, cb: () => void) {
    cb()
  }
  override _writev(_c: unknown, cb: () => void) {
    cb()
  }
}
type Socket = import('node:net').Socket
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
let lastSetCookie: string | undefined
function request(
  app: express.Express,
  method: string,
  url: string,
  cookie?: string,
  slot = 0,
): Promise<void> {
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
      if (sc) lastSetCookie = String(Array.isArray(sc) ? sc[0] : sc).split(';')[0]
      res.detachSocket(socket)
      resolve()
    })
    app(req as express.Request, res as express.Response)
  })
}
const SECRET = '0123456789abcdef0123456789abcdef'
let floorCookie: string | undefined
function build(kind: string) {
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
  if (kind === 'floor') floorCookie = useFloor(app, SECRET)
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
  return app
}
const IN_FLIGHT = 50
const [scenario = 'read', n = '500', rounds = '40'] = process.argv.slice(2)
type Kind = 'none' | 'es' | 'sk' | 'floor'
// The floor (floor.ts) only reads: it is measured on the read scenario.
const kinds: readonly Kind[] =
  scenario === 'read' ? ['none', 'es', 'sk', 'floor'] : ['none', 'es', 'sk']
const apps = Object.fromEntries(kinds.map((kind) => [kind, build(kind)])) as Record<
  Kind,
  express.Express
>
const cookies: Record<string, string | undefined> = {}
for (const k of kinds) {
  lastSetCookie = undefined
  await request(apps[k], 'POST', '/new')
  cookies[k] = k === 'floor' ? floorCookie : lastSetCookie
}
const method = scenario === 'read' ? 'GET' : 'POST'
const times: Record<Kind, number[]> = { none: [], es: [], sk: [], floor: [] }
for (let r = 0; r < Number(rounds) + 1; r++) {
  for (const k of kinds) {
    // CPU time, not wall time: waiting for the next turn of the event loop is not work.
    const start = process.cpuUsage()
    // 50 in flight, as the http suite's 50 connections: a store that answers on the next turn
    // of the event loop (express-session's MemoryStore) shares each turn among them.
    for (let done = 0; done < Number(n); done += IN_FLIGHT) {
      const batch: Promise<void>[] = []
      for (let i = 0; i < IN_FLIGHT; i++) {
        batch.push(
          request(apps[k], method, `/${scenario}`, scenario === 'new' ? undefined : cookies[k], i),
        )
      }
      await Promise.all(batch)
    }
    const used = process.cpuUsage(start)
    const us = (used.user + used.system) / Number(n)
    if (r > 0) times[k].push(us)
  }
}
const med = (a: number[]): number =>
  [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN
/** Per round, `a`'s time over `b`'s: how many times faster `b` is. */
const ratio = (a: Kind, b: Kind): number =>
  med(times[a].map((t, round) => t / (times[b][round] ?? Number.NaN)))
for (const k of kinds) console.log(k.padEnd(5), med(times[k]).toFixed(2).padStart(7), 'µs/request')
if (kinds.includes('floor')) {
  console.log(`the floor (floor.ts) vs no session: ${(100 / ratio('floor', 'none')).toFixed(0)} %`)
}
console.log(
  `sessionkit vs express-session: ${ratio('es', 'sk').toFixed(2)}×, sessionkit vs no session: ${(100 / ratio('sk', 'none')).toFixed(0)} %, express-session vs no session: ${(100 / ratio('es', 'none')).toFixed(0)} %`,
)
