import Koa from 'koa'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { type KoaSession, koaSessions, SessionHttpError } from '../../src/adapters/koa.js'
import { InvalidConfigError, SessionStateError } from '../../src/core/errors.js'
import { buildKoa, buildKoaApp, buildKoaAppSynchronous } from './build-koa.js'
import { Browser, storeKeyOf } from './client.js'
import type { TestServer } from './helpers.js'
import { adapterSuite } from './suite.js'

// How an app types ctx.session: the keys merge with any other augmentation in the program.
declare module 'koa' {
  interface SessionkitData {
    koaCounter: number
  }
  interface SessionkitFlash {
    koaNotice: string
  }
}

adapterSuite('koa', buildKoaApp, { frameworkErrors: true })
// The memory store's getNow: the load path without a promise.
adapterSuite('koa, store answering synchronously', buildKoaAppSynchronous, {
  frameworkErrors: true,
})

describe('koa adapter: middleware', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('types ctx.session from the SessionkitData augmentation', async () => {
    server = await buildKoa((koa, manager, options) => {
      koa.use(koaSessions(manager, options))
      koa.use((ctx) => {
        const session = ctx.session
        expectTypeOf(session).toEqualTypeOf<KoaSession | null>()
        expectTypeOf(session?.get('koaCounter')).toEqualTypeOf<number | undefined>()
        // Checked by tsc, never run.
        const typeChecks = () => {
          // @ts-expect-error koaCounter is a number
          session?.set('koaCounter', 'one')
          // @ts-expect-error flash values are typed too
          session?.flash('koaNotice', 1)
        }
        expect(typeChecks).toBeTypeOf('function')
        session?.set('koaCounter', (session.get('koaCounter') ?? 0) + 1)
        ctx.body = { counter: session?.get('koaCounter') }
      })
    })
    const browser = new Browser(server.url)
    await browser.request('/')
    expect(await (await browser.request('/')).json()).toEqual({ counter: 2 })
  })

  it('commits before ctx.redirect() goes out', async () => {
    server = await buildKoa((koa, manager, options) => {
      koa.use(koaSessions(manager, options))
      koa.use((ctx) => {
        ctx.session?.set('koaCounter', 7)
        ctx.status = 303
        ctx.redirect('/done')
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
    expect(record?.data).toEqual({ koaCounter: 7 })
  })

  it('throws a SessionHttpError that upstream error middleware can answer', async () => {
    const caught: unknown[] = []
    server = await buildKoa((koa, manager, options) => {
      koa.use(async (ctx, next) => {
        try {
          await next()
        } catch (error) {
          caught.push(error)
          ctx.status = 503
          ctx.body = 'custom outage page'
        }
      })
      koa.use(koaSessions(manager, options))
      koa.use((ctx) => {
        ctx.session?.set('koaCounter', 1)
        ctx.body = 'ok'
      })
    })
    server.faults.failing.add('set')
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(503)
    expect(await response.text()).toBe('custom outage page')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(caught[0]).toBeInstanceOf(SessionHttpError)
    expect(caught[0]).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE', status: 503 })
  })

  it('lets an error thrown downstream through untouched, without committing', async () => {
    const caught: unknown[] = []
    const failure = new Error('route failed')
    server = await buildKoa((koa, manager, options) => {
      koa.use(async (ctx, next) => {
        await next().catch((error: unknown) => {
          caught.push(error)
          ctx.body = 'recovered'
        })
      })
      koa.use(koaSessions(manager, options))
      koa.use((ctx) => {
        ctx.session?.set('koaCounter', 1)
        throw failure
      })
    })
    const response = await new Browser(server.url).request('/')
    expect(await response.text()).toBe('recovered')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(caught).toEqual([failure])
    expect(server.faults.calls).toEqual([])
  })

  it('reports, rather than loses silently, a session the app bypassed by writing ctx.res', async () => {
    server = await buildKoa((koa, manager, options) => {
      koa.use(koaSessions(manager, options))
      koa.use((ctx) => {
        ctx.session?.set('koaCounter', 1)
        ctx.respond = false
        ctx.res.end('raw')
      })
    })
    const response = await new Browser(server.url).request('/')
    expect(await response.text()).toBe('raw')
    await expect.poll(() => server?.errors.length).toBe(1)
    expect(server.errors[0]?.error).toBeInstanceOf(SessionStateError)
    expect(server.faults.calls).toEqual([])
  })

  it('refuses to be built without a manager', () => {
    const bad = {} as unknown as Parameters<typeof koaSessions>[0]
    expect(() => new Koa().use(koaSessions(bad))).toThrow(InvalidConfigError)
  })
})
