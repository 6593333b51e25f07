/**
 * Express request cost without sockets: `node --import tsx bench/express/in-process.ts
 * read|write|new [requests=4000] [rounds=7]`. Real IncomingMessage and ServerResponse objects on
 * a socket that discards what it is given, fed to bare Express, express-session + MemoryStore
 * and sessionkit/express + its memory store in turn, one request at a time; prints µs per
 * request (median of the rounds) and the ratios. It leaves out the kernel's share of a request,
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

class Sink extends Duplex {
  override _read() {}
  override _write(_c: unknown, _e: unknown, cb: () => void) {
    cb()
  }
  override _writev(_c: unknown, cb: () => void) {
    cb()
  }
}
const socket = new Sink() as unknown as import('node:net').Socket
Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' })
let lastSetCookie: string | undefined
function request(
  app: express.Express,
  method: string,
  url: string,
  cookie?: string,
): Promise<void> {
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
const [scenario = 'read', n = '4000', rounds = '7'] = process.argv.slice(2)
const kinds = ['none', 'es', 'sk'] as const
type Kind = (typeof kinds)[number]
const apps = { none: build('none'), es: build('es'), sk: build('sk') } satisfies Record<
  Kind,
  unknown
>
const cookies: Record<string, string | undefined> = {}
for (const k of kinds) {
  lastSetCookie = undefined
  await request(apps[k], 'POST', '/new')
  cookies[k] = lastSetCookie
}
const method = scenario === 'read' ? 'GET' : 'POST'
const times: Record<Kind, number[]> = { none: [], es: [], sk: [] }
for (let r = 0; r < Number(rounds) + 1; r++) {
  for (const k of kinds) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < Number(n); i++)
      await request(apps[k], method, `/${scenario}`, scenario === 'new' ? undefined : cookies[k])
    const us = Number(process.hrtime.bigint() - start) / 1000 / Number(n)
    if (r > 0) times[k].push(us)
  }
}
const med = (a: number[]): number =>
  [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN
for (const k of kinds)
  console.log(
    k.padEnd(5),
    med(times[k]).toFixed(2).padStart(7),
    'us/req  ',
    times[k].map((t) => t.toFixed(1)).join(' '),
  )
console.log(
  `sk vs es: ${(med(times.es) / med(times.sk)).toFixed(2)}x   sk vs none: ${((100 * med(times.none)) / med(times.sk)).toFixed(0)}%   es vs none: ${((100 * med(times.none)) / med(times.es)).toFixed(0)}%`,
)
