/**
 * sessionkit's extras on req.session (login, logout, flash, devices and revocation), on both
 * back ends, and how they live next to data keys of the same names (connect-flash's `flash`).
 */
import type { Express } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import session, {
  type CallbackStore,
  type CompatStore,
  type SessionOptions,
} from '../../src/adapters/express.js'
import { Browser } from './client.js'
import { appWith, dataOf, EXPRESS_SECRET, MapStore, type Served, serve } from './express-helpers.js'

type AnyStore = CallbackStore | CompatStore

function sidOf(browser: Browser): string {
  const decoded = decodeURIComponent(browser.jar.get('connect.sid') ?? '')
  return decoded.slice(2, decoded.lastIndexOf('.'))
}

function routes(app: Express): void {
  app.get('/set', (req, res) => {
    Object.assign(req.session, req.query)
    res.json(dataOf(req.session))
  })
  app.get('/login', async (req, res) => {
    await req.session.login(String(req.query.user ?? 'user-1'))
    res.json({ id: req.sessionID, user: req.session.boundUserId(), data: dataOf(req.session) })
  })
  app.get('/me', (req, res) => {
    res.json({ user: req.session.boundUserId(), data: dataOf(req.session) })
  })
  app.get('/devices', async (req, res) => {
    res.json(await req.session.devices())
  })
  app.get('/revoke-others', async (req, res) => {
    res.json(await req.session.revokeOtherDevices())
  })
  app.get('/revoke/:handle', async (req, res) => {
    res.json(await req.session.revokeDevice(req.params.handle))
  })
  app.get('/logout', async (req, res) => {
    await req.session.logout()
    req.session.flash('notice', 'Signed out')
    res.redirect('/notice')
  })
  app.get('/flash', (req, res) => {
    req.session.flash('notice', String(req.query.text))
    res.redirect('/notice')
  })
  app.get('/notice', (req, res) => {
    res.json({ notice: req.session.flash('notice') ?? null, keys: Object.keys(req.session) })
  })
  // connect-flash's own code, as it runs on req.session.
  app.get('/connect-flash', (req, res) => {
    const holder = req as unknown as { session: Record<string, Record<string, string[]>> }
    // biome-ignore lint/suspicious/noAssignInExpressions: connect-flash's code, verbatim
    const msgs = (holder.session.flash = holder.session.flash || {})
    const type = String(req.query.type)
    // biome-ignore lint/suspicious/noAssignInExpressions: connect-flash's code, verbatim
    ;(msgs[type] = msgs[type] || []).push(String(req.query.msg))
    res.send('ok')
  })
  app.get('/connect-flash-read', (req, res) => {
    const holder = req as unknown as { session: Record<string, Record<string, string[]>> }
    const msgs = holder.session.flash || {}
    const type = String(req.query.type)
    const messages = msgs[type] || []
    delete msgs[type]
    res.json(messages)
  })
}

const backends: Array<[string, () => AnyStore]> = [
  ['a sessionkit store', () => new session.MemoryStore()],
  ['a callback store', () => new MapStore()],
]

describe.each(backends)('sessionkit extras on %s', (_name, makeStore) => {
  let served: Served | undefined
  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  async function start(options: Partial<SessionOptions> = {}): Promise<string> {
    const store = makeStore()
    served = await serve(
      appWith(
        session({
          secret: EXPRESS_SECRET,
          resave: false,
          saveUninitialized: false,
          store,
          ...options,
        }),
        routes,
      ),
    )
    return served.url
  }

  it('login binds the user under a new ID, keeps the data and kills the old ID', async () => {
    const url = await start()
    const browser = new Browser(url)
    await browser.request('/set?cart=sku-1')
    const before = browser.jar.header() ?? ''
    const body = (await (await browser.request('/login?user=ann')).json()) as {
      id: string
      user: string
      data: unknown
    }
    expect(body).toMatchObject({ user: 'ann', data: { cart: 'sku-1' } })
    expect(sidOf(browser)).toBe(body.id)
    expect(await (await browser.request('/me')).json()).toEqual({
      user: 'ann',
      data: { cart: 'sku-1' },
    })
    const replay = await new Browser(url).request('/me', { headers: { cookie: before } })
    expect(await replay.json()).toEqual({ user: null, data: {} })
  })

  it("devices lists the user's sessions; revokeOtherDevices and revokeDevice end the others", async () => {
    const url = await start()
    const [laptop, phone, tablet] = [new Browser(url), new Browser(url), new Browser(url)]
    for (const device of [laptop, phone, tablet]) await device.request('/login?user=bob')
    const listed = (await (await laptop.request('/devices')).json()) as Array<{
      handle: string
      current: boolean
    }>
    expect(listed).toHaveLength(3)
    expect(listed.filter((device) => device.current)).toHaveLength(1)

    const phoneHandle = (
      (await (await phone.request('/devices')).json()) as Array<{
        handle: string
        current: boolean
      }>
    ).find((device) => device.current)?.handle
    expect(await (await laptop.request(`/revoke/${phoneHandle}`)).json()).toBe(true)
    expect(await (await phone.request('/me')).json()).toMatchObject({ user: null })

    expect(await (await laptop.request('/revoke-others')).json()).toBe(1)
    expect(await (await tablet.request('/me')).json()).toMatchObject({ user: null })
    expect(await (await laptop.request('/me')).json()).toMatchObject({ user: 'bob' })
  })

  it('logout ends the session, and a flash set right after it reaches the next page', async () => {
    const url = await start()
    const browser = new Browser(url)
    await browser.request('/login?user=cy')
    const old = browser.jar.header() ?? ''
    const response = await browser.request('/logout')
    expect(response.status).toBe(302)
    expect(await (await browser.request('/notice')).json()).toMatchObject({ notice: 'Signed out' })
    expect(await (await browser.request('/notice')).json()).toMatchObject({ notice: null })
    const replay = await new Browser(url).request('/me', { headers: { cookie: old } })
    expect(await replay.json()).toEqual({ user: null, data: {} })
  })

  it('a flash is read once, and never shows as a data property', async () => {
    const url = await start()
    const browser = new Browser(url)
    await browser.request('/set?a=1')
    await browser.request('/flash?text=Saved')
    expect(await (await browser.request('/notice')).json()).toEqual({
      notice: 'Saved',
      keys: ['cookie', 'a'],
    })
    expect(await (await browser.request('/notice')).json()).toEqual({
      notice: null,
      keys: ['cookie', 'a'],
    })
  })

  it("connect-flash's code works on req.session.flash, without leaking between sessions", async () => {
    const url = await start()
    const [ann, bob] = [new Browser(url), new Browser(url)]
    await ann.request('/connect-flash?type=info&msg=hello')
    await bob.request('/connect-flash?type=info&msg=other')
    await ann.request('/connect-flash?type=info&msg=again')
    expect(await (await ann.request('/connect-flash-read?type=info')).json()).toEqual([
      'hello',
      'again',
    ])
    expect(await (await ann.request('/connect-flash-read?type=info')).json()).toEqual([])
    expect(await (await bob.request('/connect-flash-read?type=info')).json()).toEqual(['other'])
  })

  it('a data key named like an extra is data (it shadows the method, as it was plain data before)', async () => {
    const url = await start()
    const browser = new Browser(url)
    expect(await (await browser.request('/set?login=yes&devices=2')).json()).toEqual({
      login: 'yes',
      devices: '2',
    })
    expect(await (await browser.request('/me')).json()).toMatchObject({
      data: { login: 'yes', devices: '2' },
    })
  })
})

describe('sessionkit extras: limits', () => {
  it('devices on a callback store without all() says the capability is missing', async () => {
    const store = new MapStore()
    Object.defineProperty(store, 'all', { value: undefined })
    const served = await serve(
      appWith(
        session({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false, store }),
        (app) => {
          routes(app)
          app.use(
            (
              err: { code?: string },
              _req: unknown,
              res: import('express').Response,
              _next: unknown,
            ) => {
              res.status(500).json(err.code ?? null)
            },
          )
        },
      ),
    )
    try {
      const browser = new Browser(served.url)
      await browser.request('/login')
      const response = await browser.request('/devices')
      expect(await response.json()).toBe('SESSIONKIT_CAPABILITY_UNSUPPORTED')
    } finally {
      await served.close()
    }
  })

  it('maxSessionsPerUser ends the oldest sessions past the cap (sessionkit store)', async () => {
    const served = await serve(
      appWith(
        session({
          secret: EXPRESS_SECRET,
          resave: false,
          saveUninitialized: false,
          maxSessionsPerUser: 2,
        }),
        routes,
      ),
    )
    try {
      const devices = [new Browser(served.url), new Browser(served.url), new Browser(served.url)]
      for (const device of devices) await device.request('/login?user=dee')
      expect(await (await devices[0]?.request('/me'))?.json()).toMatchObject({ user: null })
      expect(await (await devices[2]?.request('/me'))?.json()).toMatchObject({ user: 'dee' })
    } finally {
      await served.close()
    }
  })
})
