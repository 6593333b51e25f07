import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { HTTPException } from 'hono/http-exception'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { type SessionVariables, sessionMiddleware } from '../../src/adapters/hono.js'
import { InvalidConfigError, StoreUnavailableError } from '../../src/core/errors.js'
import { SessionManager } from '../../src/core/manager.js'
import type { Session } from '../../src/core/session.js'
import {
  buildHono,
  buildHonoFetchApp,
  buildHonoNodeApp,
  buildHonoNodeAppSynchronous,
  type TestEnv,
} from './build-hono.js'
import { Browser, CookieJar, storeKeyOf } from './client.js'
import { faultyStore } from './faulty-store.js'
import { SECRET, type TestServer } from './helpers.js'
import { adapterSuite } from './suite.js'

adapterSuite('hono on @hono/node-server', buildHonoNodeApp, { frameworkErrors: true })
adapterSuite('hono through a fetch bridge', buildHonoFetchApp, { frameworkErrors: true })
// The memory store's getNow: the load path without a promise.
adapterSuite('hono, store answering synchronously', buildHonoNodeAppSynchronous, {
  frameworkErrors: true,
})

type CartData = { cart: string[]; visits: number }
type CartFlash = { notice: string }

describe('hono adapter: types', () => {
  it('types c.get("session") from the app’s Variables', () => {
    const manager = new SessionManager<CartData, CartFlash>({
      store: faultyStore().store,
      secrets: SECRET,
      cleanupInterval: null,
    })
    const app = new Hono<{ Variables: SessionVariables<CartData, CartFlash> }>()
    app.use(sessionMiddleware(manager))
    app.get('/', (c) => {
      const session = c.get('session')
      expectTypeOf(session).toEqualTypeOf<Session<CartData, CartFlash> | null>()
      expectTypeOf(session?.get('visits')).toEqualTypeOf<number | undefined>()
      // Checked by tsc, never run.
      const typeChecks = () => {
        // @ts-expect-error visits is a number
        c.get('session')?.set('visits', 'one')
        // @ts-expect-error not a declared key
        c.get('session')?.set('nope', 1)
        // @ts-expect-error flash values are typed too
        c.get('session')?.flash('notice', 1)
      }
      expect(typeChecks).toBeTypeOf('function')
      return c.text('ok')
    })
    // The middleware also types a chain on an app that declared nothing.
    new Hono().use(sessionMiddleware(manager)).get('/', (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<CartData, CartFlash> | null>()
      return c.text('ok')
    })
    expect(app.routes.length).toBeGreaterThan(0)
  })

  it('refuses to be built without a manager', () => {
    const bad = {} as unknown as SessionManager
    expect(() => sessionMiddleware(bad)).toThrow(InvalidConfigError)
  })
})

describe('hono adapter: in process, through app.request()', () => {
  function setup() {
    const faults = faultyStore()
    const manager = new SessionManager<CartData, CartFlash>({
      store: faults.store,
      secrets: SECRET,
      cookie: { secure: false },
      cleanupInterval: null,
    })
    const app = new Hono<{ Variables: SessionVariables<CartData, CartFlash> }>()
    app.use(sessionMiddleware(manager, { onError: () => {} }))
    app.post('/login', async (c) => {
      await c.get('session')?.login('u1')
      c.get('session')?.flash('notice', 'Welcome')
      return c.redirect('/', 303)
    })
    app.post('/cart', async (c) => {
      const session = c.get('session')
      session?.set('cart', [...(session.get('cart') ?? []), c.req.query('sku') ?? '?'])
      return c.json({ cart: session?.get('cart') })
    })
    app.get('/', (c) => {
      const session = c.get('session')
      return c.json({ user: session?.userId ?? null, notice: session?.flash('notice') ?? null })
    })
    app.post('/logout', async (c) => {
      await c.get('session')?.logout()
      return c.text('bye')
    })
    const jar = new CookieJar()
    const request = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers)
      const cookie = jar.header()
      if (cookie !== undefined) headers.set('cookie', cookie)
      const response = await app.request(path, { ...init, headers })
      jar.update(response)
      return response
    }
    return { faults, manager, app, jar, request }
  }

  it('signs in, flashes once, writes, reads and signs out', async () => {
    const { request, jar, manager } = setup()
    await request('/cart?sku=a', { method: 'POST' })
    const anonymous = jar.get('sid')
    const login = await request('/login', { method: 'POST' })
    expect(login.status).toBe(303)
    expect(login.headers.get('cache-control')).toBe('no-store')
    expect(login.headers.get('vary')).toBe('Cookie')
    expect(jar.get('sid')).not.toBe(anonymous)
    expect(await (await request('/')).json()).toEqual({ user: 'u1', notice: 'Welcome' })
    expect(await (await request('/')).json()).toEqual({ user: 'u1', notice: null })
    expect(await (await request('/cart?sku=b', { method: 'POST' })).json()).toEqual({
      cart: ['a', 'b'],
    })
    const logout = await request('/logout', { method: 'POST' })
    expect(logout.headers.getSetCookie()[0]).toMatch(/^sid=;/)
    expect(jar.get('sid')).toBeUndefined()
    expect(await (await request('/')).json()).toEqual({ user: null, notice: null })
    await manager.close()
  })

  it('answers 503 with Retry-After when the store is down, through Hono’s onError', async () => {
    const { request, faults, app, manager } = setup()
    const seen: unknown[] = []
    app.onError((error, c) => {
      seen.push(error)
      return error instanceof HTTPException ? error.getResponse() : c.text('oops', 500)
    })
    await request('/cart?sku=a', { method: 'POST' })
    faults.failing.add('get')
    const down = await request('/')
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('5')
    expect(seen[0]).toBeInstanceOf(HTTPException)
    expect((seen[0] as HTTPException).cause).toBeInstanceOf(StoreUnavailableError)
    faults.failing.clear()
    expect((await request('/')).status).toBe(200)
    await manager.close()
  })
})

describe('hono adapter: responses', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('commits before c.redirect() and Response.redirect() go out', async () => {
    server = await buildHono((app, manager, options) => {
      app.use(sessionMiddleware(manager, options))
      app.post('/c', (c) => {
        c.get('session')?.set('step', 'c')
        return c.redirect('/get', 303)
      })
      // Response.redirect() has immutable headers.
      app.post('/raw', (c) => {
        c.get('session')?.set('step', 'raw')
        return Response.redirect(new URL('/get', c.req.url), 303)
      })
    })
    server.faults.writeDelay = 50
    for (const path of ['/c', '/raw']) {
      const browser = new Browser(server.url)
      const response = await browser.request(path, { method: 'POST' })
      expect(response.status).toBe(303)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const record = await server.faults.inner.get(
        storeKeyOf(browser.jar.get('sid') ?? ''),
        server.manager.options.clock.now(),
      )
      expect(record?.data).toEqual({ step: path.slice(1) })
    }
  })

  it('keeps hono/cookie cookies and the app’s headers; no-store wins over its Cache-Control', async () => {
    server = await buildHono((app, manager, options) => {
      app.use(sessionMiddleware(manager, options))
      app.get('/', (c) => {
        c.get('session')?.set('a', 1)
        setCookie(c, 'theme', 'dark', { path: '/' })
        c.header('cache-control', 'public, max-age=60')
        c.header('vary', 'Accept-Encoding')
        c.header('x-app', 'yes')
        return c.text('ok')
      })
    })
    const response = await new Browser(server.url).request('/')
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(2)
    expect(cookies[0]).toBe('theme=dark; Path=/')
    expect(cookies[1]).toMatch(/^sid=/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie')
    expect(response.headers.get('x-app')).toBe('yes')
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('does not commit when the handler throws, even if onError answers 200', async () => {
    server = await buildHono((app, manager, options) => {
      app.onError((_error, c) => c.text('recovered'))
      app.use(sessionMiddleware(manager, options))
      app.get('/', (c) => {
        c.get('session')?.set('a', 1)
        throw new Error('route failed')
      })
    })
    const response = await new Browser(server.url).request('/')
    expect(await response.text()).toBe('recovered')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(server.faults.calls).toEqual([])
  })

  it('does not put the handler’s headers on the 503 when the commit fails', async () => {
    server = await buildHono((app, manager, options) => {
      app.use(sessionMiddleware(manager, options))
      app.get('/', (c) => {
        c.get('session')?.set('a', 1)
        c.header('cache-control', 'public, max-age=60')
        return c.json({ ok: true })
      })
    })
    server.faults.failing.add('set')
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(503)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('applies to a sub-app only when mounted there', async () => {
    server = await buildHono((app, manager, options) => {
      const account = new Hono<TestEnv>()
      account.use(sessionMiddleware(manager, options))
      account.get('/', (c) => {
        c.get('session')?.set('a', 1)
        return c.text('account')
      })
      app.route('/account', account)
      app.get('/public', (c) => c.text(c.get('session') === undefined ? 'none' : 'some'))
    })
    const browser = new Browser(server.url)
    const inside = await browser.request('/account')
    expect(inside.headers.getSetCookie()).toHaveLength(1)
    server.faults.calls.length = 0
    const outside = await browser.request('/public')
    expect(await outside.text()).toBe('none')
    expect(outside.headers.getSetCookie()).toEqual([])
    expect(server.faults.calls).toEqual([])
  })
})
