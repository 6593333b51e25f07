/**
 * sessionkit/express against express-session's documented behaviour (its README is the spec),
 * with a real Express 5 app and Node's fetch, on both back ends: a sessionkit store (the
 * default MemoryStore) and an express-session callback store (a Store subclass).
 */
import type { Express, Request } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { signValue } from '../../src/adapters/express/signature.js'
import session, {
  type CallbackStore,
  CompatStore,
  type SessionOptions,
  type StoredSession,
} from '../../src/adapters/express.js'
import { Browser } from './client.js'
import {
  appWith,
  dataOf,
  EXPRESS_SECRET,
  MapStore,
  type Served,
  serve,
  sleep,
} from './express-helpers.js'

type AnyStore = CallbackStore | CompatStore

/** The session ID inside a `connect.sid` cookie value (URL-encoded `s:<id>.<sig>`). */
function sidOf(value: string | undefined): string {
  const decoded = decodeURIComponent(value ?? '')
  return decoded.slice(2, decoded.lastIndexOf('.'))
}

/** What the store holds under `sid`, through the callback API. */
function stored(store: AnyStore, sid: string): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    store.get(sid, (err, value) =>
      err ? reject(err) : resolve((value as unknown as Record<string, unknown>) ?? null),
    )
  })
}

function sessionCookie(response: Response): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith('connect.sid='))
}

/** Routes most cases use: set query params as data, read the session back. */
function routes(app: Express): void {
  app.get('/set', (req, res) => {
    Object.assign(req.session, req.query)
    res.json(dataOf(req.session))
  })
  app.get('/get', (req, res) => {
    res.json({
      data: dataOf(req.session),
      id: req.sessionID,
      sameId: req.session.id === req.sessionID,
      maxAge: req.session.cookie.maxAge,
      originalMaxAge: req.session.cookie.originalMaxAge,
    })
  })
  app.get('/noop', (_req, res) => {
    res.send('ok')
  })
}

const backends: Array<[string, () => AnyStore]> = [
  ['a sessionkit store (MemoryStore)', () => new session.MemoryStore()],
  ['an express-session callback store (Store subclass)', () => new MapStore()],
]

describe.each(backends)('sessionkit/express on %s', (_name, makeStore) => {
  let served: Served | undefined
  let store: AnyStore

  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  async function start(
    options: Partial<SessionOptions> = {},
    extra: (app: Express) => void = () => {},
    configure: (app: Express) => void = () => {},
  ): Promise<Browser> {
    store = makeStore()
    const middleware = session({
      secret: EXPRESS_SECRET,
      resave: false,
      saveUninitialized: false,
      store,
      ...options,
    })
    const app = appWith(middleware, (app) => {
      extra(app)
      routes(app)
    })
    configure(app)
    served = await serve(app)
    return new Browser(served.url)
  }

  describe('the cookie', () => {
    it('is sent on the first write of a changed session, signed as express-session signs it', async () => {
      const browser = await start()
      const response = await browser.request('/set?views=1')
      const line = sessionCookie(response) ?? ''
      const value = browser.jar.get('connect.sid') ?? ''
      const sid = sidOf(value)
      expect(decodeURIComponent(value)).toBe(`s:${signValue(sid, EXPRESS_SECRET)}`)
      // express-session's defaults: Path=/, HttpOnly, no Expires, no Secure, no SameSite.
      expect(line).toMatch(/; Path=\/; HttpOnly$/)
      expect(await stored(store, sid)).toMatchObject({ views: '1' })
    })

    it('is not sent, and nothing saved, for an unchanged new session with saveUninitialized: false', async () => {
      const browser = await start()
      const response = await browser.request('/get')
      expect(response.headers.getSetCookie()).toEqual([])
      const { id } = (await response.json()) as { id: string }
      expect(await stored(store, id)).toBeNull()
    })

    it('is sent, and the empty session saved, for every new session with saveUninitialized: true', async () => {
      const browser = await start({ saveUninitialized: true })
      const response = await browser.request('/noop')
      const sid = sidOf(browser.jar.get('connect.sid'))
      expect(sessionCookie(response)).toBeDefined()
      expect(await stored(store, sid)).not.toBeNull()
    })

    it('is not re-sent for an unchanged existing session, and re-sent when it changes (with a maxAge)', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } })
      await browser.request('/set?a=1')
      expect(sessionCookie(await browser.request('/noop'))).toBeUndefined()
      expect(sessionCookie(await browser.request('/set?a=2'))).toBeDefined()
    })

    it('moves the stored expiry when the app calls req.session.touch(), even within touchAfter', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } }, (app) => {
        app.get('/touch', (req, res) => {
          req.session.touch()
          res.send('ok')
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      const expiresOf = async () =>
        new Date(
          String(((await stored(store, sid))?.cookie as { expires?: string } | undefined)?.expires),
        ).getTime()
      const before = await expiresOf()
      expect(before).toBeGreaterThan(Date.now())
      await sleep(30)
      await browser.request('/touch')
      expect(await expiresOf()).toBeGreaterThan(before)
    })

    it('is re-sent on every response with rolling: true', async () => {
      const browser = await start({ rolling: true, cookie: { maxAge: 60_000 } })
      await browser.request('/set?a=1')
      expect(sessionCookie(await browser.request('/noop'))).toBeDefined()
      expect(sessionCookie(await browser.request('/noop'))).toBeDefined()
    })

    it('uses the `name` option', async () => {
      const browser = await start({ name: 'app.sid' })
      const response = await browser.request('/set?a=1')
      expect(response.headers.getSetCookie()[0]).toMatch(/^app\.sid=s%3A/)
      const again = (await (await browser.request('/get')).json()) as { data: unknown }
      expect(again.data).toEqual({ a: '1' })
    })

    it('is not sent at all when cookie.secure is set and the request is plain HTTP', async () => {
      const browser = await start({ cookie: { secure: true } })
      const response = await browser.request('/set?a=1')
      expect(response.headers.getSetCookie()).toEqual([])
    })

    it('is sent with Secure behind a proxy: proxy: true reads X-Forwarded-Proto', async () => {
      const browser = await start({ proxy: true, cookie: { secure: true } })
      const response = await browser.request('/set?a=1', {
        headers: { 'x-forwarded-proto': 'https' },
      })
      expect(sessionCookie(response)).toMatch(/; Secure/)
    })

    it('follows Express "trust proxy" when proxy is undefined, and ignores the header with proxy: false', async () => {
      const trusting = await start(
        { cookie: { secure: true } },
        () => {},
        (app) => app.set('trust proxy', true),
      )
      const https = { headers: { 'x-forwarded-proto': 'https' } }
      expect(sessionCookie(await trusting.request('/set?a=1', https))).toMatch(/; Secure/)
      await served?.close()
      const refusing = await start(
        { proxy: false, cookie: { secure: true } },
        () => {},
        (app) => app.set('trust proxy', true),
      )
      expect(sessionCookie(await refusing.request('/set?a=1', https))).toBeUndefined()
    })

    it("settles secure: 'auto' and sameSite: 'auto' from the connection", async () => {
      const browser = await start({ proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } })
      const plain = sessionCookie(await browser.request('/set?a=1')) ?? ''
      expect(plain).not.toMatch(/Secure/)
      expect(plain).toMatch(/SameSite=Lax/)
      const other = new Browser(served?.url ?? '')
      const secure = sessionCookie(
        await other.request('/set?a=1', { headers: { 'x-forwarded-proto': 'https' } }),
      )
      expect(secure).toMatch(/; Secure/)
      expect(secure).toMatch(/SameSite=None/)
    })

    it('leaves requests outside cookie.path without a session', async () => {
      const seen: string[] = []
      const browser = await start({ cookie: { path: '/app' } }, (app) => {
        app.get('/outside', (req, res) => {
          seen.push(typeof (req as { session?: unknown }).session)
          res.send('ok')
        })
      })
      await browser.request('/outside')
      expect(seen).toEqual(['undefined'])
    })

    it('treats a tampered cookie as no session', async () => {
      const browser = await start()
      await browser.request('/set?a=1')
      const value = decodeURIComponent(browser.jar.get('connect.sid') ?? '')
      browser.jar.set('connect.sid', encodeURIComponent(`${value.slice(0, -2)}xx`))
      const view = (await (await browser.request('/get')).json()) as { data: unknown }
      expect(view.data).toEqual({})
    })

    it('verifies with every secret and signs with the first (rotation)', async () => {
      const previous = `${EXPRESS_SECRET.slice(1)}P`
      const browser = await start({ secret: previous })
      await browser.request('/set?a=1')
      const kept = store
      await served?.close()
      await start({ secret: [EXPRESS_SECRET, previous], store: kept, rolling: true })
      const rotated = new Browser(served?.url ?? '')
      rotated.jar.set('connect.sid', browser.jar.get('connect.sid') ?? '')
      const view = (await (await rotated.request('/get')).json()) as { id: string; data: unknown }
      expect(view.data).toEqual({ a: '1' })
      expect(decodeURIComponent(rotated.jar.get('connect.sid') ?? '')).toBe(
        `s:${signValue(view.id, EXPRESS_SECRET)}`,
      )
    })
  })

  describe('cookie.maxAge', () => {
    it('sets Expires maxAge ahead, and req.session.cookie.maxAge counts down from it', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } })
      const before = Date.now()
      const line = sessionCookie(await browser.request('/set?a=1')) ?? ''
      const expires = Date.parse(/Expires=([^;]+)/.exec(line)?.[1] ?? '')
      expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 59_000)
      expect(expires).toBeLessThanOrEqual(Date.now() + 61_000)
      await sleep(30)
      const view = (await (await browser.request('/get')).json()) as {
        maxAge: number
        originalMaxAge: number
      }
      expect(view.originalMaxAge).toBe(60_000)
      expect(view.maxAge).toBeGreaterThan(50_000)
      expect(view.maxAge).toBeLessThan(60_000)
    })

    it('keeps a per-visitor maxAge with the session ("remember me")', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } }, (app) => {
        app.get('/remember', (req, res) => {
          req.session.cookie.maxAge = 30 * 24 * 3600 * 1000
          Object.assign(req.session, { remembered: true })
          res.send('ok')
        })
      })
      const line = sessionCookie(await browser.request('/remember')) ?? ''
      const expires = Date.parse(/Expires=([^;]+)/.exec(line)?.[1] ?? '')
      expect(expires).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000)
      const view = (await (await browser.request('/get')).json()) as { originalMaxAge: number }
      expect(view.originalMaxAge).toBe(30 * 24 * 3600 * 1000)
      const next = sessionCookie(await browser.request('/set?b=1')) ?? ''
      expect(Date.parse(/Expires=([^;]+)/.exec(next)?.[1] ?? '')).toBeGreaterThan(
        Date.now() + 29 * 24 * 3600 * 1000,
      )
    })

    it('ends a session at its own, shorter maxAge, also on the server', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } }, (app) => {
        app.get('/short', (req, res) => {
          req.session.cookie.maxAge = 50
          Object.assign(req.session, { short: true })
          res.send('ok')
        })
      })
      await browser.request('/short')
      const cookie = browser.jar.header() ?? ''
      await sleep(120)
      const view = (await (await browser.request('/get', { headers: { cookie } })).json()) as {
        data: unknown
      }
      expect(view.data).toEqual({})
    })

    it('makes a browser-session cookie when maxAge is null (the default)', async () => {
      const browser = await start()
      const line = sessionCookie(await browser.request('/set?a=1')) ?? ''
      expect(line).not.toMatch(/Expires/)
      const view = (await (await browser.request('/get')).json()) as { maxAge: null }
      expect(view.maxAge).toBeNull()
    })

    it('ends the session when maxAge has passed', async () => {
      const browser = await start({ cookie: { maxAge: 50 } })
      await browser.request('/set?a=1')
      const cookie = browser.jar.header() ?? ''
      await sleep(120)
      // Sent by hand: the browser itself would have dropped the expired cookie.
      const view = (await (await browser.request('/get', { headers: { cookie } })).json()) as {
        data: unknown
      }
      expect(view.data).toEqual({})
    })
  })

  describe('req.session methods', () => {
    it('regenerate(cb) gives a new, empty session under a new ID and kills the old ID', async () => {
      const browser = await start({}, (app) => {
        app.get('/regenerate', (req, res, next) => {
          const before = req.sessionID
          req.session.regenerate((err) => {
            if (err) return next(err)
            Object.assign(req.session, { fresh: true })
            res.json({ before, after: req.sessionID, data: dataOf(req.session) })
          })
        })
      })
      await browser.request('/set?secret=1')
      const oldCookie = browser.jar.header() ?? ''
      const response = await browser.request('/regenerate')
      const body = (await response.json()) as { before: string; after: string; data: unknown }
      expect(body.after).not.toBe(body.before)
      expect(body.data).toEqual({ fresh: true })
      expect(sidOf(browser.jar.get('connect.sid'))).toBe(body.after)
      expect(await stored(store, body.before)).toBeNull()
      const replay = (await (
        await new Browser(served?.url ?? '').request('/get', { headers: { cookie: oldCookie } })
      ).json()) as { data: unknown }
      expect(replay.data).toEqual({})
    })

    it('destroy(cb) ends the session and unsets req.session', async () => {
      const browser = await start({}, (app) => {
        app.get('/destroy', (req, res) => {
          req.session.destroy((err) => {
            res.json({ err: err ?? null, session: typeof (req as { session?: unknown }).session })
          })
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      const response = await browser.request('/destroy')
      expect(await response.json()).toEqual({ err: null, session: 'undefined' })
      expect(await stored(store, sid)).toBeNull()
      // sessionkit also clears the cookie of a destroyed session (express-session leaves it).
      expect(sessionCookie(response)).toMatch(/^connect\.sid=; .*Expires=Thu, 01 Jan 1970/)
      expect(((await (await browser.request('/get')).json()) as { data: unknown }).data).toEqual({})
    })

    it('destroy on a session the request did not bring sends no cookie at all', async () => {
      const browser = await start({}, (app) => {
        app.get('/destroy-new', (req, res) => {
          req.session.destroy(() => res.send(String((req as { session?: unknown }).session)))
        })
      })
      const response = await browser.request('/destroy-new')
      expect(await response.text()).toBe('undefined')
      expect(response.headers.getSetCookie()).toEqual([])
    })

    it('reload(cb) re-reads what another request saved', async () => {
      const browser = await start({}, (app) => {
        app.get('/reload', (req, res, next) => {
          setTimeout(() => {
            req.session.reload((err) => (err ? next(err) : res.json(dataOf(req.session))))
          }, 60)
        })
      })
      await browser.request('/set?a=1')
      const reloading = browser.request('/reload')
      await sleep(10)
      await browser.request('/set?b=2')
      expect(await (await reloading).json()).toEqual({ a: '1', b: '2' })
    })

    it('reload(cb) fails when the session is not in the store', async () => {
      const browser = await start({}, (app) => {
        app.get('/reload-new', (req, res) => {
          req.session.reload((err) => res.json({ failed: err instanceof Error }))
        })
      })
      expect(await (await browser.request('/reload-new')).json()).toEqual({ failed: true })
    })

    it('save(cb) writes before the callback, so a redirect right after it finds the data', async () => {
      const browser = await start({}, (app) => {
        app.get('/save', (req, res, next) => {
          Object.assign(req.session, { saved: 'yes' })
          req.session.save((err) => {
            if (err) return next(err)
            stored(req.sessionStore as AnyStore, req.sessionID).then((now) => res.json(now), next)
          })
        })
      })
      const response = await browser.request('/save')
      expect(await response.json()).toMatchObject({ saved: 'yes' })
      expect(sessionCookie(response)).toBeDefined()
    })

    it('touch() resets cookie.maxAge to originalMaxAge', async () => {
      const browser = await start({ cookie: { maxAge: 60_000 } }, (app) => {
        app.get('/touch', (req, res) => {
          req.session.cookie.maxAge = 10
          const shortened = req.session.cookie.maxAge
          req.session.cookie.originalMaxAge = 60_000
          req.session.touch()
          res.json({ shortened, after: req.session.cookie.maxAge })
        })
      })
      await browser.request('/set?a=1')
      const body = (await (await browser.request('/touch')).json()) as {
        shortened: number
        after: number
      }
      expect(body.shortened).toBeLessThanOrEqual(10)
      expect(body.after).toBeGreaterThan(59_000)
    })

    it('req.sessionID is req.session.id, and req.sessionStore is the store', async () => {
      let same: unknown
      const browser = await start({}, (app) => {
        app.get('/store', (req, res) => {
          same =
            req.sessionStore === store ||
            (req.sessionStore instanceof CompatStore && store instanceof CompatStore)
          res.send('ok')
        })
      })
      await browser.request('/store')
      expect(same).toBe(true)
      const view = (await (await browser.request('/get')).json()) as { sameId: boolean }
      expect(view.sameId).toBe(true)
    })
  })

  describe('saving', () => {
    it('saves before the response ends: the store has the change when the response arrives', async () => {
      const browser = await start({}, (app) => {
        app.get('/redirect', (req, res) => {
          Object.assign(req.session, { step: 2 })
          res.redirect('/get')
        })
      })
      await browser.request('/set?step=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      const response = await browser.request('/redirect')
      expect(response.status).toBe(302)
      expect(await stored(store, sid)).toMatchObject({ step: 2 })
    })

    it('keeps nested objects mutated in place', async () => {
      const browser = await start({}, (app) => {
        app.get('/push', (req, res) => {
          const bag = req.session as unknown as { cart?: string[] }
          bag.cart ??= []
          bag.cart.push(String(req.query.sku))
          res.json(bag.cart)
        })
      })
      await browser.request('/push?sku=a')
      await browser.request('/push?sku=b')
      expect(await (await browser.request('/push?sku=c')).json()).toEqual(['a', 'b', 'c'])
    })

    it('resave: true saves an unchanged session again', async () => {
      const browser = await start({ resave: true }, (app) => {
        app.get('/stamp', (req, res) => {
          res.json({ seen: dataOf(req.session) })
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      const before = await stored(store, sid)
      await sleep(5)
      await browser.request('/stamp')
      const after = await stored(store, sid)
      expect(after).toMatchObject({ a: '1' })
      if (store instanceof MapStore) {
        expect(store.calls.filter((call) => call.startsWith('set')).length).toBe(2)
      } else {
        expect(after).toEqual(before)
      }
    })

    it("unset: 'keep' (the default) keeps the stored session and drops the request's changes", async () => {
      const browser = await start({}, (app) => {
        app.get('/unset', (req, res) => {
          Object.assign(req.session, { a: 'changed' })
          Reflect.deleteProperty(req, 'session')
          res.send('ok')
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      await browser.request('/unset')
      expect(await stored(store, sid)).toMatchObject({ a: '1' })
    })

    it("unset: 'destroy' deletes the session when req.session is set to null", async () => {
      const browser = await start({ unset: 'destroy' }, (app) => {
        app.get('/unset', (req, res) => {
          ;(req as { session: unknown }).session = null
          res.send('ok')
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      await browser.request('/unset')
      expect(await stored(store, sid)).toBeNull()
    })

    it('saves a change made after the first byte once the response has ended', async () => {
      const browser = await start({}, (app) => {
        app.get('/stream', (req, res) => {
          res.write('a')
          Object.assign(req.session, { late: true })
          setTimeout(() => res.end('b'), 10)
        })
      })
      await browser.request('/set?a=1')
      const sid = sidOf(browser.jar.get('connect.sid'))
      expect(await (await browser.request('/stream')).text()).toBe('ab')
      await sleep(30)
      expect(await stored(store, sid)).toMatchObject({ late: true })
    })

    it('calls genid for new session IDs, with the request', async () => {
      let counter = 0
      const browser = await start({
        genid: (req: Request) => `id-${++counter}-${req.path.slice(1)}`,
      })
      await browser.request('/set?a=1')
      expect(sidOf(browser.jar.get('connect.sid'))).toBe('id-1-set')
      const view = (await (await browser.request('/get')).json()) as { id: string; data: unknown }
      expect(view).toMatchObject({ id: 'id-1-set', data: { a: '1' } })
    })
  })

  it('keeps every change of 50 concurrent requests that set different keys', async () => {
    const browser = await start({}, (app) => {
      app.get('/key/:i', async (req, res) => {
        await sleep(20)
        Object.assign(req.session, { [`k${req.params.i}`]: Number(req.params.i) })
        res.send('ok')
      })
    })
    await browser.request('/set?start=1')
    await Promise.all(Array.from({ length: 50 }, (_, i) => browser.request(`/key/${i}`)))
    const view = (await (await browser.request('/get')).json()) as { data: Record<string, unknown> }
    expect(Object.keys(view.data).filter((key) => key.startsWith('k'))).toHaveLength(50)
  })
})

describe('sessionkit/express: stores', () => {
  it('passes a store that says it is disconnected by, as express-session does', async () => {
    const store = new MapStore()
    const seen: string[] = []
    const app = appWith(
      session({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false, store }),
      (app) =>
        app.get('/', (req, res) => {
          seen.push(typeof (req as { session?: unknown }).session)
          res.send('ok')
        }),
    )
    const served = await serve(app)
    try {
      const browser = new Browser(served.url)
      store.emit('disconnect')
      await browser.request('/')
      store.emit('connect')
      await browser.request('/')
      expect(seen).toEqual(['undefined', 'object'])
    } finally {
      await served.close()
    }
  })

  it('hands a store error at load to next(err)', async () => {
    const store = new MapStore()
    store.get = (
      _sid: string,
      callback: (err: unknown, session?: StoredSession | null) => void,
    ) => {
      setImmediate(() => callback(new Error('boom')))
    }
    const errors: unknown[] = []
    const app = appWith(
      session({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false, store }),
      (app) => {
        app.get('/', (_req, res) => res.send('ok'))
        app.use((err: unknown, _req: Request, res: import('express').Response, _next: unknown) => {
          errors.push(err)
          res.status(500).send('failed')
        })
      },
    )
    const served = await serve(app)
    try {
      const value = encodeURIComponent(`s:${signValue('abc', EXPRESS_SECRET)}`)
      const response = await fetch(`${served.url}/`, {
        headers: { cookie: `connect.sid=${value}` },
      })
      expect(response.status).toBe(500)
      expect(errors).toHaveLength(1)
    } finally {
      await served.close()
    }
  })
})
