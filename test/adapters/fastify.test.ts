import fastifyCookie from '@fastify/cookie'
import Fastify from 'fastify'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import sessionkitDefault, {
  type FastifyFlashData,
  type FastifySession,
  type FastifySessionData,
  SessionHttpError,
  sessionkit,
} from '../../src/adapters/fastify.js'
import { InvalidConfigError } from '../../src/core/errors.js'
import { SessionManager } from '../../src/core/manager.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { buildFastify, buildFastifyApp, buildFastifyAppSynchronous } from './build-fastify.js'
import { Browser, storeKeyOf } from './client.js'
import { SECRET, type TestServer } from './helpers.js'
import { adapterSuite } from './suite.js'

// How an app types request.session: the keys merge with any other augmentation in the program.
declare module 'fastify' {
  interface SessionkitData {
    counter: number
    tags: string[]
  }
  interface SessionkitFlash {
    notice: string
  }
}

adapterSuite('fastify', buildFastifyApp, { frameworkErrors: true, plainTextFailures: false })
// The memory store's getNow: the load path without a promise.
adapterSuite('fastify, store answering synchronously', buildFastifyAppSynchronous, {
  frameworkErrors: true,
  plainTextFailures: false,
})

describe('fastify adapter: plugin', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('is a fastify-plugin with metadata, exported as default and named', () => {
    expect(sessionkitDefault).toBe(sessionkit)
    const meta = (sessionkit as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]
    expect(meta).toMatchObject({ fastify: '5.x', name: 'sessionkit' })
    expect((sessionkit as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(
      true,
    )
  })

  it('types request.session from the SessionkitData augmentation', async () => {
    server = await buildFastify(async (fastify, options) => {
      await fastify.register(sessionkit, options)
      fastify.post('/count', async (request) => {
        const session = request.session
        expectTypeOf(session).toEqualTypeOf<FastifySession | null>()
        expectTypeOf(session?.get('counter')).toEqualTypeOf<number | undefined>()
        // Checked by tsc, never run.
        const typeChecks = () => {
          // @ts-expect-error counter is a number
          session?.set('counter', 'one')
          // @ts-expect-error not a declared key
          session?.get('nope')
          // @ts-expect-error flash values are typed too
          session?.flash('notice', 42)
        }
        expect(typeChecks).toBeTypeOf('function')
        session?.set('counter', (session.get('counter') ?? 0) + 1)
        session?.set('tags', ['a'])
        return { counter: session?.get('counter') }
      })
    })
    const browser = new Browser(server.url)
    await browser.request('/count', { method: 'POST' })
    const second = await browser.request('/count', { method: 'POST' })
    expect(await second.json()).toEqual({ counter: 2 })
  })

  it('only affects the context it is registered in (encapsulation)', async () => {
    const seen: Record<string, unknown> = {}
    server = await buildFastify(async (fastify, options) => {
      await fastify.register(async (child) => {
        await child.register(sessionkit, options)
        child.get('/inside', async (request) => {
          request.session?.set('counter', 1)
          seen.inside = request.session === null ? null : typeof request.session
          return 'inside'
        })
        await child.register(async (grandchild) => {
          grandchild.get('/nested', async (request) => {
            seen.nested = request.session?.get('counter') ?? null
            return 'nested'
          })
        })
      })
      fastify.get('/outside', async (request) => {
        seen.outside = request.session
        return 'outside'
      })
    })
    const browser = new Browser(server.url)
    const inside = await browser.request('/inside')
    expect(inside.headers.getSetCookie()).toHaveLength(1)
    const nested = await browser.request('/nested')
    expect(await nested.text()).toBe('nested')
    server.faults.calls.length = 0

    const outside = await browser.request('/outside')
    expect(await outside.text()).toBe('outside')
    expect(outside.headers.getSetCookie()).toEqual([])
    expect(outside.headers.get('cache-control')).toBeNull()
    expect(server.faults.calls).toEqual([])
    expect(seen).toEqual({ inside: 'object', nested: 1, outside: undefined })
  })

  it('commits before reply.redirect() goes out', async () => {
    server = await buildFastify(async (fastify, options) => {
      await fastify.register(sessionkit, options)
      fastify.post('/pay', async (request, reply) => {
        request.session?.set('counter', 7)
        return reply.redirect('/done', 303)
      })
    })
    server.faults.writeDelay = 50
    const browser = new Browser(server.url)
    const response = await browser.request('/pay', { method: 'POST' })
    expect(response.status).toBe(303)
    const record = await server.faults.inner.get(
      storeKeyOf(browser.jar.get('sid') ?? ''),
      server.manager.options.clock.now(),
    )
    expect(record?.data).toEqual({ counter: 7 })
  })

  it('keeps @fastify/cookie cookies next to the session cookie, in either order', async () => {
    for (const cookieFirst of [true, false]) {
      server = await buildFastify(async (fastify, options) => {
        if (cookieFirst) await fastify.register(fastifyCookie)
        await fastify.register(sessionkit, options)
        if (!cookieFirst) await fastify.register(fastifyCookie)
        fastify.get('/', async (request, reply) => {
          request.session?.set('counter', 1)
          reply.setCookie('theme', 'dark', { path: '/' })
          reply.header('vary', 'Accept-Encoding')
          return 'ok'
        })
      })
      const response = await new Browser(server.url).request('/')
      const cookies = response.headers.getSetCookie()
      expect(cookies).toHaveLength(2)
      expect(cookies).toContainEqual(expect.stringMatching(/^theme=dark; Path=\//))
      expect(cookies.some((cookie) => cookie.startsWith('sid='))).toBe(true)
      expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie')
      await server.close()
      server = undefined
    }
  })

  it('hands a store outage to setErrorHandler as a SessionHttpError', async () => {
    const handled: unknown[] = []
    server = await buildFastify(async (fastify, options) => {
      fastify.setErrorHandler((error, _request, reply) => {
        handled.push(error)
        return reply.code(503).send('custom outage page')
      })
      await fastify.register(sessionkit, options)
      fastify.get('/', async (request) => {
        request.session?.set('counter', 1)
        return 'ok'
      })
    })
    server.faults.failing.add('set')
    const commit = await new Browser(server.url).request('/')
    expect(commit.status).toBe(503)
    expect(await commit.text()).toBe('custom outage page')
    // The error handler's own reply does not try to commit again.
    expect(server.faults.calls).toEqual(['set'])
    expect(handled).toHaveLength(1)
    expect(handled[0]).toBeInstanceOf(SessionHttpError)
    expect(handled[0]).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE', statusCode: 503 })
  })

  it('answers the default 503 as JSON with the sessionkit code', async () => {
    server = await buildFastifyApp()
    const browser = new Browser(server.url)
    await browser.request('/set?a=1')
    server.faults.failing.add('get')
    const response = await browser.request('/get')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({
      statusCode: 503,
      code: 'SESSIONKIT_STORE_UNAVAILABLE',
      message: expect.stringMatching(/unavailable/i),
    })
  })

  it('does not commit when the route fails, even if the error handler answers 200', async () => {
    server = await buildFastify(async (fastify, options) => {
      fastify.setErrorHandler((_error, _request, reply) => reply.code(200).send('recovered'))
      await fastify.register(sessionkit, options)
      fastify.get('/', async (request) => {
        request.session?.set('counter', 1)
        throw new Error('route failed')
      })
    })
    const response = await new Browser(server.url).request('/')
    expect(await response.text()).toBe('recovered')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(server.faults.calls).toEqual([])
  })

  it('refuses to register without a manager', async () => {
    const fastify = Fastify()
    const bad = { manager: {} } as unknown as Parameters<typeof sessionkit>[1]
    await expect(fastify.register(sessionkit, bad).ready()).rejects.toBeInstanceOf(
      InvalidConfigError,
    )
    await fastify.close()
  })

  it('works with Fastify’s inject() too', async () => {
    // The manager's types are the ones request.session has.
    const manager = new SessionManager<FastifySessionData, FastifyFlashData>({
      store: new MemoryStore({ sweepInterval: 0 }),
      secrets: SECRET,
      cookie: { secure: false },
    })
    const fastify = Fastify()
    await fastify.register(sessionkit, { manager })
    fastify.get('/', async (request) => {
      request.session?.set('counter', 1)
      return 'ok'
    })
    const response = await fastify.inject({ method: 'GET', url: '/' })
    expect(response.statusCode).toBe(200)
    expect(String(response.headers['set-cookie'])).toMatch(/^sid=/)
    await fastify.close()
    await manager.close()
  })
})
