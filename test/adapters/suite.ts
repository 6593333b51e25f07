/**
 * The behaviour every adapter must have, run against each over a real socket with a real
 * client. Adapter-specific cases live in <adapter>.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Browser, sessionIdOf, storeKeyOf } from './client.js'
import type { AppBuilder, TestServer } from './helpers.js'

const TOKEN_HEADER = 'x-session-token'

/** Where an adapter may differ from the node and fetch adapters. */
export interface SuiteTraits {
  /**
   * Handler errors go to the framework's own error handling (Fastify, Hono, Koa), not to the
   * adapter's onError hook.
   * @default false
   */
  frameworkErrors?: boolean
  /**
   * The 503 for a store outage is plain text (Fastify's default error handler answers JSON).
   * @default true
   */
  plainTextFailures?: boolean
}

/** Registers the common cases for one adapter. */
export function adapterSuite(name: string, build: AppBuilder, traits: SuiteTraits = {}): void {
  describe(`${name} adapter: common behaviour`, () => {
    let server: TestServer | undefined
    const start = async (...args: Parameters<AppBuilder>) => {
      server = await build(...args)
      return server
    }
    afterEach(async () => {
      await server?.close()
      server = undefined
    })

    it('sets no cookie and writes nothing for an anonymous request', async () => {
      const { url, faults } = await start()
      const response = await new Browser(url).request('/anon')
      expect(response.status).toBe(200)
      expect(response.headers.getSetCookie()).toEqual([])
      expect(response.headers.get('cache-control')).toBeNull()
      expect(faults.calls).toEqual([])
    })

    it('sets a hardened cookie with no-store and Vary: Cookie, and reads it back', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      const response = await browser.request('/set?cart=sku-1')
      expect(response.status).toBe(200)
      const [cookie, ...more] = response.headers.getSetCookie()
      expect(more).toEqual([])
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/)
      expect(cookie).toContain('HttpOnly')
      expect(cookie).toContain('SameSite=Lax')
      expect(cookie).toContain('Path=/')
      expect(cookie).toMatch(/Expires=\w{3}, \d{2} \w{3} \d{4}/)
      expect(cookie).not.toContain('Secure')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('vary')).toBe('Cookie')

      const view = await browser.json('/get')
      expect(view.data).toEqual({ cart: 'sku-1' })
      expect(view.isNew).toBe(false)
    })

    it('uses the __Host- cookie with the default secure cookie options', async () => {
      const { url } = await start({ cookie: {} })
      const browser = new Browser(url)
      const response = await browser.request('/set?a=1')
      const [cookie] = response.headers.getSetCookie()
      expect(cookie).toMatch(/^__Host-sid=/)
      expect(cookie).toContain('Secure')
      expect((await browser.json('/get')).data).toEqual({ a: '1' })
    })

    it('keeps the app’s own Set-Cookie and Vary', async () => {
      const { url } = await start()
      const response = await new Browser(url).request('/own-headers')
      const cookies = response.headers.getSetCookie()
      expect(cookies).toHaveLength(2)
      expect(cookies).toContain('theme=dark; Path=/')
      expect(cookies.some((c) => c.startsWith('sid='))).toBe(true)
      expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie')
    })

    it('commits before a redirect goes out, so the next request sees the write', async () => {
      const { url, faults, manager } = await start()
      faults.writeDelay = 50 // a commit racing the response would lose this race
      const browser = new Browser(url)
      const response = await browser.request('/write-redirect?step=paid')
      expect(response.status).toBe(302)
      const token = browser.jar.get('sid')
      expect(token).toBeDefined()
      // Checked the moment the 302 arrives, before any other request.
      const record = await faults.inner.get(storeKeyOf(token ?? ''), manager.options.clock.now())
      expect(record?.data).toEqual({ step: 'paid' })
      expect((await browser.json(response.headers.get('location') ?? '')).data).toEqual({
        step: 'paid',
      })
    })

    it('answers a tampered cookie with a fresh session and a clearing cookie', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      await browser.request('/set?secret=1')
      const token = browser.jar.get('sid') ?? ''
      const last = token.at(-1) === 'A' ? 'B' : 'A'
      browser.jar.set('sid', `${token.slice(0, -1)}${last}`)
      const response = await browser.request('/get')
      expect(response.status).toBe(200)
      expect(((await response.json()) as { data: object }).data).toEqual({})
      const [cookie] = response.headers.getSetCookie()
      expect(cookie).toMatch(/^sid=;/)
      expect(cookie).toMatch(/Expires=Thu, 01 Jan 1970/)
    })

    it('answers a 10 KB garbage cookie with 200', async () => {
      const { url } = await start()
      const garbage = Array.from({ length: 10_240 }, (_, i) => 'a%;=,"\\ x'[i % 9]).join('')
      const response = await new Browser(url).request('/get', {
        headers: { cookie: `other=1; sid=${garbage}` },
      })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { data: object }).data).toEqual({})
    })

    it('lets API clients use the token header; login echoes the new token', async () => {
      const { url } = await start({ header: 'X-Session-Token' })
      const browser = new Browser(url)
      await browser.request('/set?cart=sku-9')
      const first = browser.jar.get('sid') ?? ''
      // From here on: an API client, no cookies, only the header.
      const api = new Browser(url)
      const login = await api.request('/login?user=api-user', {
        method: 'POST',
        headers: { [TOKEN_HEADER]: first },
      })
      expect(login.status).toBe(200)
      const echoed = login.headers.get(TOKEN_HEADER) ?? ''
      expect(echoed).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
      expect(echoed).not.toBe(first)
      // The manager lower-cases the configured name.
      expect(login.headers.get('vary')).toBe('Cookie, x-session-token')
      expect(login.headers.get('cache-control')).toBe('no-store')

      const fresh = new Browser(url)
      const view = await fresh.json('/get', { headers: { [TOKEN_HEADER]: echoed } })
      expect(view).toMatchObject({ userId: 'api-user', data: { cart: 'sku-9' } })
      const stale = await fresh.request('/get', { headers: { [TOKEN_HEADER]: first } })
      expect(await stale.json()).toMatchObject({ userId: null, data: {} })
      // A dead token is cleared, and the header comes back empty: drop your token.
      expect(stale.headers.get(TOKEN_HEADER)).toBe('')

      const logout = await fresh.request('/logout', {
        method: 'POST',
        headers: { [TOKEN_HEADER]: echoed },
      })
      expect(logout.headers.get(TOKEN_HEADER)).toBe('')
      const after = await new Browser(url).json('/get', { headers: { [TOKEN_HEADER]: echoed } })
      expect(after.userId).toBeNull()
    })

    it('does not echo the token to cookie clients', async () => {
      const { url } = await start({ header: TOKEN_HEADER })
      const response = await new Browser(url).request('/set?a=1')
      expect(response.headers.get(TOKEN_HEADER)).toBeNull()
    })

    it('gives skipped requests no session and makes no store call', async () => {
      const { url, faults } = await start({ skip: (request) => request.url.startsWith('/assets/') })
      const browser = new Browser(url)
      await browser.request('/set?a=1')
      faults.calls.length = 0
      const response = await browser.request('/assets/app.js?v=3')
      expect(await response.text()).toBe('no session')
      expect(response.headers.getSetCookie()).toEqual([])
      expect(faults.calls).toEqual([])
    })

    it('answers 503 with Retry-After when the store is down at load, and recovers', async () => {
      const { url, faults, errors } = await start()
      const browser = new Browser(url)
      await browser.request('/set?a=1')
      faults.failing.add('get')
      const down = await browser.request('/get')
      expect(down.status).toBe(503)
      expect(down.headers.get('retry-after')).toBe('5')
      if (traits.plainTextFailures !== false) {
        expect(down.headers.get('content-type')).toMatch(/^text\/plain/)
      }
      expect(await down.text()).toMatch(/unavailable/i)
      expect(errors.map((e) => [e.phase, (e.error as { code?: string }).code])).toEqual([
        ['load', 'SESSIONKIT_STORE_UNAVAILABLE'],
      ])
      faults.failing.clear()
      expect((await browser.json('/get')).data).toEqual({ a: '1' })
    })

    it('answers 503, not the handler’s 200, when the commit fails', async () => {
      const { url, faults, errors } = await start()
      const browser = new Browser(url)
      faults.failing.add('set')
      const insert = await browser.request('/set?a=1')
      expect(insert.status).toBe(503)
      expect(insert.headers.get('retry-after')).toBe('5')
      expect(insert.headers.getSetCookie()).toEqual([])
      faults.failing.clear()

      await browser.request('/set?a=1')
      faults.failing.add('patch')
      const patch = await browser.request('/set?b=2')
      expect(patch.status).toBe(503)
      expect(await patch.text()).not.toBe('set')
      faults.failing.clear()
      expect((await browser.json('/get')).data).toEqual({ a: '1' })
      expect(errors.map((e) => e.phase)).toEqual(['commit', 'commit'])
    })

    it('serves a degraded session with 200 when failOpen is on', async () => {
      const { url, faults } = await start({ failOpen: true })
      const browser = new Browser(url)
      await browser.request('/set?a=1')
      faults.failing.add('get')
      const view = await browser.json('/get')
      expect(view).toMatchObject({ degraded: true, data: {} })
      faults.failing.clear()
      expect((await browser.json('/get')).data).toEqual({ a: '1' })
    })

    it('answers 500 for a handler error and commits nothing', async () => {
      const { url, faults, errors } = await start()
      const response = await new Browser(url).request('/throw')
      expect(response.status).toBe(500)
      expect(response.headers.getSetCookie()).toEqual([])
      expect(faults.calls).toEqual([])
      // The framework reports its handlers' errors itself.
      expect(errors.map((e) => e.phase)).toEqual(traits.frameworkErrors ? [] : ['handler'])
    })

    it('clears the cookie on logout, and the old cookie is dead', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      await browser.request('/login?user=u1', { method: 'POST' })
      const token = browser.jar.get('sid') ?? ''
      const response = await browser.request('/logout', { method: 'POST' })
      expect(response.headers.getSetCookie()[0]).toMatch(/^sid=;/)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(browser.jar.get('sid')).toBeUndefined()
      const replay = await new Browser(url).json('/get', { headers: { cookie: `sid=${token}` } })
      expect(replay.userId).toBeNull()
    })

    it('regenerates the ID on login; the old cookie no longer works', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      await browser.request('/set?cart=sku-1')
      const before = browser.jar.get('sid') ?? ''
      const login = await browser.request('/login?user=u2', { method: 'POST' })
      const after = browser.jar.get('sid') ?? ''
      expect(login.headers.getSetCookie()).toHaveLength(1)
      expect(after).not.toBe(before)
      expect(await browser.json('/get')).toMatchObject({ userId: 'u2', data: { cart: 'sku-1' } })
      const old = await new Browser(url).json('/get', { headers: { cookie: `sid=${before}` } })
      expect(old).toMatchObject({ userId: null, data: {} })
    })

    it('keeps all 200 concurrent writes of different keys to one session', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      await browser.request('/set?seed=0')
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => browser.request(`/set?key${i}=${i}`)),
      )
      expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200))
      const { data } = await browser.json('/get')
      expect(Object.keys(data)).toHaveLength(201)
      for (let i = 0; i < 200; i++) expect(data[`key${i}`]).toBe(String(i))
    })

    it('regenerates the ID on demand, keeping the data; the old cookie is dead', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      await browser.request('/set?cart=sku-2')
      const before = browser.jar.get('sid') ?? ''
      const response = await browser.request('/regenerate', { method: 'POST' })
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const after = browser.jar.get('sid') ?? ''
      expect(after).not.toBe(before)
      expect((await browser.json('/get')).data).toEqual({ cart: 'sku-2' })
      const old = await new Browser(url).json('/get', { headers: { cookie: `sid=${before}` } })
      expect(old.data).toEqual({})
    })

    it('keeps a flash value across a redirect for exactly one read', async () => {
      const { url } = await start()
      const browser = new Browser(url)
      const posted = await browser.request('/flash?notice=Saved', { method: 'POST' })
      expect(posted.status).toBe(303)
      expect(await browser.json(posted.headers.get('location') ?? '')).toEqual({ notice: 'Saved' })
      expect(await browser.json('/flash-read')).toEqual({})
    })

    it('records each device’s IP and User-Agent, and logs out all but the current one', async () => {
      const { url, manager } = await start()
      const devices = ['phone', 'laptop', 'tablet'].map((agent) => ({
        agent,
        browser: new Browser(url),
      }))
      for (const { agent, browser } of devices) {
        await browser.request('/login?user=u3', {
          method: 'POST',
          headers: { 'user-agent': agent },
        })
      }
      const [current, ...others] = devices.map(({ browser }) => browser)
      const currentId = sessionIdOf(current?.jar.get('sid') ?? '')
      const listed = await manager.listUserSessions('u3', { current: currentId })
      expect(listed.map((d) => d.userAgent).sort()).toEqual(['laptop', 'phone', 'tablet'])
      expect(listed.filter((d) => d.current).map((d) => d.userAgent)).toEqual(['phone'])
      for (const device of listed) expect(device.ip).toMatch(/127\.0\.0\.1$/)

      expect(await manager.revokeUserSessions('u3', { except: currentId })).toBe(2)
      for (const other of others) {
        const response = await other.request('/get')
        expect(((await response.json()) as { userId: string | null }).userId).toBeNull()
        expect(response.headers.getSetCookie()[0]).toMatch(/^sid=;/)
      }
      expect((await current?.json('/get'))?.userId).toBe('u3')
      expect(await manager.listUserSessions('u3')).toHaveLength(1)
    })

    it('records the left-most X-Forwarded-For address only with trustProxy', async () => {
      const forwarded = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }
      const direct = await start()
      const plain = await new Browser(direct.url).json('/get', { headers: forwarded })
      expect(plain.ip).toMatch(/127\.0\.0\.1$/)
      await direct.close()
      server = undefined

      const proxied = await start({}, { trustProxy: true })
      const view = await new Browser(proxied.url).json('/get', { headers: forwarded })
      expect(view.ip).toBe('203.0.113.7')
    })
  })
}
