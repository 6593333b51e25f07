import { afterEach, describe, expect, it } from 'vitest'
import { commitSession, loadSession } from '../../src/adapters/fetch.js'
import { SessionManager } from '../../src/core/manager.js'
import { Browser, storeKeyOf } from './client.js'
import { faultyStore } from './faulty-store.js'
import {
  buildFetchApp,
  buildFetchAppSynchronous,
  buildFetchServer,
  SECRET,
  type TestServer,
} from './helpers.js'
import { adapterSuite } from './suite.js'

adapterSuite('fetch', buildFetchApp)
// The memory store's getNow: the load path without a promise.
adapterSuite('fetch, store answering synchronously', buildFetchAppSynchronous)

describe('fetch adapter: responses', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('adds the cookie to a Response.redirect(), whose headers are immutable', async () => {
    server = await buildFetchServer(async (request, session) => {
      session?.set('step', 'paid')
      return Response.redirect(new URL('/get', request.url), 303)
    })
    server.faults.writeDelay = 50
    const browser = new Browser(server.url)
    const response = await browser.request('/pay', { method: 'POST' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toMatch(/\/get$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const record = await server.faults.inner.get(
      storeKeyOf(browser.jar.get('sid') ?? ''),
      server.manager.options.clock.now(),
    )
    expect(record?.data).toEqual({ step: 'paid' })
  })

  it('releases the handler’s body stream when the commit fails', async () => {
    let cancelled = false
    server = await buildFetchServer(async (_request, session) => {
      session?.set('a', 1)
      const body = new ReadableStream({
        cancel() {
          cancelled = true
        },
      })
      return new Response(body)
    })
    server.faults.failing.add('set')
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(503)
    expect(cancelled).toBe(true)
  })

  it('answers 500 when the handler returns something that is not a Response', async () => {
    server = await buildFetchServer(async (_request, session) => {
      session?.set('a', 1)
      return 'not a response' as unknown as Response
    })
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(500)
  })
})

describe('fetch adapter: wiring by hand', () => {
  it('loadSession + commitSession without a server', async () => {
    const faults = faultyStore()
    const manager = new SessionManager({
      store: faults.store,
      secrets: SECRET,
      cookie: { secure: false },
    })
    const request = new Request('http://localhost/cart')
    const session = await loadSession(manager, request)
    const untouched = new Response('same')
    expect(await commitSession(manager, session, untouched)).toBe(untouched)

    session?.set('cart', ['sku-1'])
    const original = new Response('body', {
      status: 201,
      headers: { 'set-cookie': 'x=1', vary: 'Origin' },
    })
    const sent = await commitSession(manager, session, original)
    expect(sent).not.toBe(original)
    expect(sent.status).toBe(201)
    expect(await sent.text()).toBe('body')
    expect(sent.headers.getSetCookie()).toEqual(['x=1', expect.stringMatching(/^sid=/)])
    expect(sent.headers.get('vary')).toBe('Origin, Cookie')
    await manager.close()
  })

  it('loads nothing for a skipped request', async () => {
    const faults = faultyStore()
    const manager = new SessionManager({
      store: faults.store,
      secrets: SECRET,
      skip: (request) => request.method === 'OPTIONS' || request.url === '/health?full=1',
    })
    expect(await loadSession(manager, new Request('http://h/health?full=1'))).toBeNull()
    expect(await loadSession(manager, new Request('http://h/', { method: 'OPTIONS' }))).toBeNull()
    expect(faults.calls).toEqual([])
    await manager.close()
  })
})
