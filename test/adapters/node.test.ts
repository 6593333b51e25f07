import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { commitSession, loadSession } from '../../src/adapters/node.js'
import { SessionStateError } from '../../src/core/errors.js'
import { SessionManager } from '../../src/core/manager.js'
import { Browser } from './client.js'
import { faultyStore } from './faulty-store.js'
import {
  buildNodeApp,
  buildNodeAppSynchronous,
  buildNodeServer,
  SECRET,
  type TestServer,
} from './helpers.js'
import { adapterSuite } from './suite.js'

adapterSuite('node', buildNodeApp)
// The memory store's getNow: the load path without a promise.
adapterSuite('node, store answering synchronously', buildNodeAppSynchronous)

// Each case on a promise-only store and on one that answers loads synchronously (getNow): with a
// synchronous handler, the second runs the whole request without a promise.
describe.each([
  ['a promise-only store', false],
  ['a store answering synchronously', true],
])('node adapter, %s: holding the response until the commit is done', (_, synchronous) => {
  const build: typeof buildNodeServer = (handler, managerOptions, adapterOptions) =>
    buildNodeServer(handler, managerOptions, adapterOptions, { synchronous })
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('replays streamed writes in order after the cookie is set', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.setHeader('content-type', 'text/plain')
      res.write('a')
      res.write(Buffer.from('b'))
      res.end('c')
    })
    const response = await new Browser(server.url).request('/')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('content-type')).toBe('text/plain')
    expect(await response.text()).toBe('abc')
  })

  it('keeps writeHead’s own Set-Cookie, Vary and Cache-Control next to the session’s', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.writeHead(201, 'Made', {
        'set-cookie': ['x=1', 'y=2'],
        vary: 'Accept',
        'cache-control': 'public, max-age=60',
      })
      res.end()
    })
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(201)
    expect(response.statusText).toBe('Made')
    const cookies = response.headers.getSetCookie()
    expect(cookies.slice(0, 2)).toEqual(['x=1', 'y=2'])
    expect(cookies[2]).toMatch(/^sid=/)
    expect(response.headers.get('vary')).toBe('Accept, Cookie')
    // A response that sets a credential must never be cached, whatever the app asked for.
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('accepts writeHead’s flat array form', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.writeHead(200, ['Set-Cookie', 'x=1', 'Vary', 'Accept'])
      res.end('ok')
    })
    const response = await new Browser(server.url).request('/')
    expect(response.headers.getSetCookie()).toEqual(['x=1', expect.stringMatching(/^sid=/)])
    expect(response.headers.get('vary')).toBe('Accept, Cookie')
  })

  it('reports headersSent and writableEnded as node would while holding a streamed response', async () => {
    const seen: boolean[] = []
    server = await build(async (req, res) => {
      req.session?.set('a', 1)
      seen.push(res.headersSent)
      res.writeHead(200)
      // From the next turn on: `res.writeHead(…).end(…)` in one go needs no mirror (see node-gate.ts).
      await Promise.resolve()
      seen.push(res.headersSent, res.writableEnded)
      res.write('o')
      res.end('k')
      seen.push(res.writableEnded)
    })
    const response = await new Browser(server.url).request('/')
    expect(await response.text()).toBe('ok')
    expect(seen).toEqual([false, true, false, true])
  })

  it('keeps a response that ended while the commit runs whole, whatever the app calls after end', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.end('ok')
      // An error handler that thinks nothing was sent yet: node would refuse this after end.
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('too late')
    })
    const browser = new Browser(server.url)
    const response = await browser.request('/')
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('ok')
    expect(response.headers.getSetCookie()).toHaveLength(1)
  })

  it('sets the cookie when flushHeaders comes first', async () => {
    server = await build(async (req, res) => {
      req.session?.set('a', 1)
      res.flushHeaders()
      await new Promise((resolve) => setTimeout(resolve, 10))
      res.end('late body')
    })
    const response = await new Browser(server.url).request('/')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(await response.text()).toBe('late body')
  })

  it('commits when the handler resolves without ending the response', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      setTimeout(() => res.end('from a timer'), 20)
    })
    const browser = new Browser(server.url)
    const response = await browser.request('/')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(await response.text()).toBe('from a timer')
    expect(browser.jar.get('sid')).toBeDefined()
  })

  it('reports a change made after the response started instead of losing it silently', async () => {
    server = await build(async (req, res) => {
      res.end('done')
      await new Promise((resolve) => setTimeout(resolve, 20))
      req.session?.set('late', true)
    })
    const response = await new Browser(server.url).request('/')
    expect(response.headers.getSetCookie()).toEqual([])
    await expect.poll(() => server?.errors.length).toBe(1)
    expect(server.errors[0]?.error).toBeInstanceOf(SessionStateError)
    expect(server.faults.calls).toEqual([])
  })

  it('on a failed commit, drops the queued calls but still settles their callbacks', async () => {
    let settled = false
    server = await build(async (req, res) => {
      req.session?.set('a', 1)
      await new Promise<void>((resolve) => res.end('ok', () => resolve()))
      settled = true
    })
    server.faults.failing.add('set')
    const response = await new Browser(server.url).request('/')
    expect(response.status).toBe(503)
    await expect.poll(() => settled).toBe(true)
  })

  it('survives a client that leaves while the response is held', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.write('x')
      res.end('y')
    })
    server.faults.writeDelay = 200
    const controller = new AbortController()
    const pending = fetch(server.url, { signal: controller.signal }).catch(
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    controller.abort()
    expect(await pending).toBeInstanceOf(Error)
    // The commit finishes after the client left; replaying into the closed socket is harmless.
    await expect.poll(() => server?.faults.inner.size, { timeout: 1000 }).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.errors).toEqual([])
  })

  it('cuts a response the handler started and then abandoned by throwing', async () => {
    server = await build((req, res) => {
      req.session?.set('a', 1)
      res.writeHead(200)
      res.write('partial')
      throw new Error('midway')
    })
    await expect(
      new Browser(server.url).request('/').then((response) => response.text()),
    ).rejects.toThrow()
    expect(server.errors.map((e) => e.phase)).toEqual(['handler'])
  })
})

describe('node adapter: wiring by hand', () => {
  it('loadSession + commitSession around a plain listener', async () => {
    const faults = faultyStore()
    const manager = new SessionManager({
      store: faults.store,
      secrets: SECRET,
      cookie: { secure: false },
    })
    let lateError: unknown
    const server = createServer(async (req, res) => {
      const session = await loadSession(manager, req)
      session?.set('n', 1)
      await commitSession(manager, session, res)
      res.end('ok')
      await commitSession(manager, session, res).catch((error: unknown) => {
        lateError = error
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const response = await new Browser(`http://127.0.0.1:${port}`).request('/')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('vary')).toBe('Cookie')
    await expect.poll(() => lateError).toBeInstanceOf(SessionStateError)
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await manager.close()
  })
})
