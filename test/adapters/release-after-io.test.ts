/**
 * When a held response goes out: `releaseAfterIo` releases the gate after the event loop's
 * current I/O (setImmediate), not in the microtask that finished the commit, and a release that
 * throws still answers the request instead of crashing the process or leaving it hanging. The
 * Express and node adapters release every response that way, reads that need no store call
 * included; Fastify, Koa and Hono (on @hono/node-server) replies, and withSession's Response,
 * go out after the turn's I/O too.
 */
import { createServer, type Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Response } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import session, { storeKeyFor } from '../../src/adapters/express.js'
import { sessionkit } from '../../src/adapters/fastify.js'
import { withSession } from '../../src/adapters/fetch.js'
import { sessionMiddleware } from '../../src/adapters/hono.js'
import { koaSessions } from '../../src/adapters/koa.js'
import { ResponseGate, releaseAfterIo } from '../../src/adapters/node-gate.js'
import type { SessionHeaders } from '../../src/adapters/shared.js'
import { SessionManager } from '../../src/core/manager.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { buildFastify } from './build-fastify.js'
import { buildHono } from './build-hono.js'
import { buildKoa } from './build-koa.js'
import { Browser } from './client.js'
import { EXPRESS_SECRET, serve } from './express-helpers.js'
import { buildNodeServer, type TestServer } from './helpers.js'

const COOKIE = 'sid=abc; Path=/; HttpOnly'

function headers(token: SessionHeaders['token'] = null): SessionHeaders {
  return { setCookie: [COOKIE], cacheControl: 'no-store', vary: ['Cookie'], token }
}

let server: Server | undefined

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A server whose handler ends its response through a gate released by releaseAfterIo. */
async function serveGated(
  session: SessionHeaders,
  seen: { errors: unknown[]; endedInMicrotask?: boolean; endedAfterRelease?: boolean },
): Promise<string> {
  const created = createServer((_req, res: ServerResponse) => {
    const gate: ResponseGate = new ResponseGate(res, () => {
      // The commit is done at once, as with the memory store: release from a microtask.
      queueMicrotask(() => {
        releaseAfterIo(
          gate,
          session,
          (error) => seen.errors.push(error),
          () => {
            seen.endedAfterRelease = res.writableEnded
          },
        )
        queueMicrotask(() => {
          seen.endedInMicrotask = res.writableEnded
        })
      })
    })
    res.end('hello')
  })
  server = created
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/`
}

describe('releaseAfterIo', () => {
  it('sends the held response after the current turn, with the session headers', async () => {
    const seen: { errors: unknown[]; endedInMicrotask?: boolean; endedAfterRelease?: boolean } = {
      errors: [],
    }
    const url = await serveGated(headers(), seen)
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('hello')
    expect(response.headers.get('set-cookie')).toBe(COOKIE)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(seen.endedInMicrotask).toBe(false)
    expect(seen.endedAfterRelease).toBe(true)
    expect(seen.errors).toEqual([])
  })

  it('answers 500 and reports the error when the release itself throws', async () => {
    const seen: { errors: unknown[] } = { errors: [] }
    // node refuses a header name with a space: applySessionHeaders throws inside the release.
    const url = await serveGated(headers({ name: 'bad name', value: 'x' }), seen)
    const response = await fetch(url)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('Internal Server Error\n')
    expect(seen.errors).toHaveLength(1)
    expect((seen.errors[0] as { code?: string }).code).toBe('ERR_INVALID_HTTP_TOKEN')
  })
})

/** Where a response stood after the handler's `end`: at once, in a microtask, on the next setImmediate. */
interface Timeline {
  atEnd?: boolean
  inMicrotask?: boolean
  nextImmediate?: boolean
}

/**
 * Node's own `writableEnded`: whether node's `end()` has run. The Express adapter's gate answers
 * `res.writableEnded` as node would once the app has called `end()`, held or not.
 */
function nodeEnded(res: ServerResponse): boolean {
  let proto: object | null = ServerResponse.prototype
  while (proto !== null) {
    const getter = Object.getOwnPropertyDescriptor(proto, 'writableEnded')?.get
    if (getter !== undefined) return getter.call(res) as boolean
    proto = Object.getPrototypeOf(proto) as object | null
  }
  throw new Error('no writableEnded getter on ServerResponse')
}

/** Records whether node ended `res`, around the handler's end (the release's setImmediate was queued first). */
function record(res: ServerResponse, timeline: Timeline): void {
  timeline.atEnd = nodeEnded(res)
  queueMicrotask(() => {
    timeline.inMicrotask = nodeEnded(res)
  })
  setImmediate(() => {
    timeline.nextImmediate = nodeEnded(res)
  })
}

describe('reads that need no store call go out after the turn’s I/O too', () => {
  let closing: (() => Promise<void>) | undefined
  afterEach(async () => {
    await closing?.()
    closing = undefined
  })

  it('sessionkit/express: a read of a saved session is held until setImmediate, then sent whole', async () => {
    const store = new MemoryStore()
    const app = express()
    app.use(session({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false, store }))
    let sid = ''
    app.post('/write', (req, res) => {
      sid = req.sessionID
      ;(req.session as unknown as { n: number }).n = 7
      res.send('saved')
    })
    const timelines: Timeline[] = []
    app.get('/read', (req, res: Response) => {
      const timeline: Timeline = {}
      timelines.push(timeline)
      res.send(String((req.session as unknown as { n?: number }).n))
      record(res, timeline)
    })
    const served = await serve(app)
    closing = async () => {
      await served.close()
      await store.close()
    }
    const browser = new Browser(served.url)
    expect((await browser.request('/write', { method: 'POST' })).status).toBe(200)
    const stored = await store.get(storeKeyFor(sid), Date.now())
    expect(stored?.data).toMatchObject({ n: 7 })
    const read = await browser.request('/read')
    expect(read.status).toBe(200)
    expect(await read.text()).toBe('7')
    // A read within touchAfter: no Set-Cookie, and nothing written.
    expect(read.headers.getSetCookie()).toEqual([])
    expect(await store.get(storeKeyFor(sid), Date.now())).toEqual(stored)
    expect(timelines).toEqual([{ atEnd: false, inMicrotask: false, nextImmediate: true }])
  })

  it('sessionkit/node: the same for a read through nodeSessions', async () => {
    const timelines: Timeline[] = []
    const server: TestServer = await buildNodeServer((req, res) => {
      if (req.method === 'POST') req.session?.set('a', 1)
      const timeline: Timeline = {}
      if (req.method === 'GET') timelines.push(timeline)
      res.end(String(req.session?.get('a')))
      record(res, timeline)
    })
    closing = () => server.close()
    const browser = new Browser(server.url)
    expect((await browser.request('/', { method: 'POST' })).status).toBe(200)
    const read = await browser.request('/')
    expect(await read.text()).toBe('1')
    expect(read.headers.getSetCookie()).toEqual([])
    expect(server.errors).toEqual([])
    expect(timelines).toEqual([{ atEnd: false, inMicrotask: false, nextImmediate: true }])
  })
})

/**
 * Whether a setImmediate queued by the handler had run when node's `end()` was called: it has
 * when the response waited for the turn's I/O, not when it went out within the handler's turn.
 */
interface EndOrder {
  immediateRan: boolean
  immediateRanAtEnd?: boolean
}

/** Queues the handler's setImmediate, and records at node's `end()` whether it ran. */
function watchEnd(res: ServerResponse, order: EndOrder): void {
  setImmediate(() => {
    order.immediateRan = true
  })
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.end = ((...args: unknown[]) => {
    order.immediateRanAtEnd ??= order.immediateRan
    return end(...args)
  }) as ServerResponse['end']
}

/** What the two apps' route reads and writes on the session. */
interface KeyValueSession {
  get(key: string): unknown
  set(key: string, value: unknown): void
}

/** The route of both apps: counts up on POST and watches when node's `end()` runs; the body. */
function answer(session: unknown, method: string, res: ServerResponse, orders: EndOrder[]): string {
  const values = session as KeyValueSession
  if (method === 'POST') values.set('a', orders.length + 1)
  const order: EndOrder = { immediateRan: false }
  orders.push(order)
  watchEnd(res, order)
  return String(values.get('a'))
}

/** A write, then a request of `method`: both answered right, both ended after the handler's setImmediate. */
async function expectAfterIo(server: TestServer, method: 'GET' | 'POST', orders: EndOrder[]) {
  const browser = new Browser(server.url)
  expect(await (await browser.request('/', { method: 'POST' })).text()).toBe('1')
  const response = await browser.request('/', { method })
  expect(response.status).toBe(200)
  expect(await response.text()).toBe(method === 'GET' ? '1' : '2')
  expect(server.errors).toEqual([])
  expect(orders.map((order) => order.immediateRanAtEnd)).toEqual([true, true])
}

describe('Fastify, Koa and Hono replies go out after the turn’s I/O', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  for (const method of ['GET', 'POST'] as const) {
    const kind = method === 'GET' ? 'a read (no store call)' : 'a write'
    it(`sessionkit/fastify: ${kind}`, async () => {
      const orders: EndOrder[] = []
      server = await buildFastify(async (fastify, options) => {
        await fastify.register(sessionkit, options)
        fastify.all('/', async (request, reply) =>
          answer(request.session, request.method, reply.raw, orders),
        )
      })
      await expectAfterIo(server, method, orders)
    })

    it(`sessionkit/koa: ${kind}`, async () => {
      const orders: EndOrder[] = []
      server = await buildKoa((koa, manager, options) => {
        koa.use(koaSessions(manager, options))
        koa.use(async (ctx) => {
          ctx.body = answer(ctx.session, ctx.method, ctx.res, orders)
        })
      })
      await expectAfterIo(server, method, orders)
    })

    it(`sessionkit/hono on @hono/node-server: ${kind}`, async () => {
      const orders: EndOrder[] = []
      server = await buildHono((hono, manager, options) => {
        hono.use(sessionMiddleware(manager, options))
        hono.all('/', (c) => {
          const { outgoing } = c.env as unknown as { outgoing: ServerResponse }
          return c.text(answer(c.get('session'), c.req.method, outgoing, orders))
        })
      })
      await expectAfterIo(server, method, orders)
    })
  }
})

describe('withSession returns its response after the turn’s I/O', () => {
  for (const method of ['GET', 'POST'] as const) {
    it(`the fetch adapter: ${method === 'GET' ? 'a read (no store call)' : 'a write'}`, async () => {
      const manager = new SessionManager({ store: new MemoryStore(), secrets: [EXPRESS_SECRET] })
      const seen: { immediateRan: boolean }[] = []
      const handler = withSession(manager, (request, session) => {
        if (request.method === 'POST') session?.set('a', seen.length + 1)
        const order = { immediateRan: false }
        seen.push(order)
        setImmediate(() => {
          order.immediateRan = true
        })
        return new Response(String(session?.get('a')))
      })
      const first = await handler(new Request('http://localhost/', { method: 'POST' }))
      expect(await first.text()).toBe('1')
      const cookie = (first.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
      expect(cookie).not.toBe('')
      const second = await handler(
        new Request('http://localhost/', { method, headers: { cookie } }),
      )
      expect(await second.text()).toBe(method === 'GET' ? '1' : '2')
      // Resolved only once the setImmediate the handler queued has run: after the turn's I/O.
      expect(seen.map((order) => order.immediateRan)).toEqual([true, true])
      await manager.close()
    })
  }
})
