/**
 * sessionkit/express keeps its per-request state off `req` and `res` where it can (a gate on
 * Express's shared response prototype, req.sessionID and req.sessionStore as accessors on its
 * request prototype; see node-gate.ts and request-fields.ts). These tests pin what that must
 * not change: the session is saved before the response's first byte in a mounted sub-app too,
 * behind a wrapper another middleware put on res first, and next to express-session in the
 * same process; responses of apps without sessions pass untouched.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import expressSession from 'express-session'
import { afterEach, describe, expect, it } from 'vitest'
import session, { type StoredSession } from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { Browser } from './client.js'
import { EXPRESS_SECRET, MapStore, type Served, serve } from './express-helpers.js'

/** A store whose writes take `delayMs`: a response that is not held for the save arrives first. */
class SlowStore extends MapStore {
  constructor(readonly delayMs: number) {
    super()
  }

  override set(sid: string, value: StoredSession, callback?: (err?: unknown) => void): void {
    setTimeout(() => super.set(sid, value, callback), this.delayMs)
  }
}

const options = { secret: EXPRESS_SECRET, resave: false, saveUninitialized: false }

describe('sessionkit/express on shared prototypes', () => {
  const served: Served[] = []

  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.close()))
  })

  async function browserFor(app: Express): Promise<Browser> {
    const s = await serve(app)
    served.push(s)
    return new Browser(s.url)
  }

  it('saves before the response in a mounted sub-app, whose prototypes Express swaps again', async () => {
    const store = new SlowStore(80)
    const app = express()
    app.use(session({ ...options, store }))
    const admin = express()
    admin.post('/login', (req, res) => {
      ;(req.session as unknown as Record<string, unknown>).user = 'ada'
      res.redirect('/admin/home')
    })
    admin.get('/home', (req, res) => {
      res.json({ user: (req.session as unknown as Record<string, unknown>).user ?? null })
    })
    app.use('/admin', admin)
    const browser = await browserFor(app)

    const login = await browser.request('/admin/login', { method: 'POST' })
    expect(login.status).toBe(302)
    expect(login.headers.get('set-cookie')).toMatch(/^connect\.sid=s%3A/)
    // Held for the slow save: the record is there the moment the redirect arrives.
    expect([...store.sessions.values()].map((json) => JSON.parse(json).user)).toEqual(['ada'])
    expect(await browser.json('/admin/home')).toEqual({ user: 'ada' })
  })

  it('saves before the response behind a wrapper of res.end set up by an earlier middleware', async () => {
    const store = new SlowStore(80)
    const app = express()
    const wrapped: string[] = []
    app.use((_req: Request, res: Response, next: NextFunction) => {
      // As compression or on-headers do: an own property that calls the method it replaced.
      const end = res.end
      res.end = function (this: Response, ...args: unknown[]) {
        wrapped.push('end')
        return (end as (...a: unknown[]) => Response).apply(this, args)
      } as Response['end']
      next()
    })
    app.use(session({ ...options, store }))
    app.post('/write', (req, res) => {
      ;(req.session as unknown as Record<string, unknown>).n = 1
      res.send('ok')
    })
    const browser = await browserFor(app)

    const response = await browser.request('/write', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(response.headers.get('set-cookie')).toMatch(/^connect\.sid=/)
    expect(store.sessions.size).toBe(1)
    expect(wrapped).toEqual(['end'])
  })

  it('works next to express-session in the same process, each app with its own session', async () => {
    const kitStore = new MapStore()
    const peerStore = new MapStore()
    const ours = express()
    ours.use(session({ ...options, store: kitStore }))
    const theirs = express()
    theirs.use(expressSession({ ...options, store: peerStore as unknown as expressSession.Store }))
    for (const app of [ours, theirs]) {
      app.post('/write', (req, res) => {
        ;(req.session as unknown as Record<string, unknown>).n = 1
        res.json({ id: req.sessionID, store: req.sessionStore !== undefined })
      })
      app.get('/read', (req, res) => {
        res.json({ id: req.sessionID, n: (req.session as unknown as Record<string, unknown>).n })
      })
    }
    const bare = express()
    bare.get('/', (req, res) => {
      res.json({ id: req.sessionID ?? null, session: req.session ?? null })
    })
    const [a, b, c] = await Promise.all([browserFor(ours), browserFor(theirs), browserFor(bare)])

    for (const [browser, store] of [
      [a, kitStore],
      [b, peerStore],
    ] as const) {
      const written = (await browser.json('/write', { method: 'POST' })) as { id: string }
      expect(written).toEqual({ id: expect.any(String), store: true })
      expect(await browser.json('/read')).toEqual({ id: written.id, n: 1 })
      expect(store.sessions.has(written.id)).toBe(true)
    }
    expect(await c.json('/')).toEqual({ id: null, session: null })
  })

  it('writes nothing on a read of a session holding data and a pending flash value', async () => {
    const store = new MemoryStore()
    const writes: string[] = []
    for (const method of ['set', 'patch', 'touch'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>
      ;(store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        writes.push(method)
        return original(...args)
      }
    }
    const app = express()
    app.use(session({ ...options, store }))
    app.post('/write', (req, res) => {
      Object.assign(req.session, { cart: ['a', 'b'], n: 1, profile: { name: 'Ada' } })
      req.session.flash('notice', 'Saved')
      res.send('ok')
    })
    app.get('/read', (req, res) => {
      res.json({ n: (req.session as unknown as Record<string, unknown>).n })
    })
    const browser = await browserFor(app)
    await browser.request('/write', { method: 'POST' })
    expect(writes).toEqual(['set'])
    for (let i = 0; i < 3; i++) expect(await browser.json('/read')).toEqual({ n: 1 })
    // Loaded and left as it was: within touchAfter nothing is written, the flash is still there.
    expect(writes).toEqual(['set'])
  })

  it('keeps the session ID out of the request own keys (what loggers serialize)', async () => {
    const app = express()
    app.use(session({ ...options, store: new MapStore() }))
    app.post('/write', (req, res) => {
      ;(req.session as unknown as Record<string, unknown>).n = 1
      res.json({ keys: Object.keys(req), id: req.sessionID })
    })
    const browser = await browserFor(app)
    const { keys, id } = (await browser.json('/write', { method: 'POST' })) as {
      keys: string[]
      id: string
    }
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(keys).not.toContain('sessionID')
    expect(keys).not.toContain('sessionStore')
    expect(keys).toContain('session')
  })
})
