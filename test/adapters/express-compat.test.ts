/**
 * Moving from express-session signs nobody out, and its store ecosystem keeps working:
 * cookies express-session signed are read (callback stores and, after an import keyed by
 * storeKeyFor, sessionkit stores), the cookie is written as express-session writes it, and real
 * stores (express-session's MemoryStore, connect-redis, connect-pg-simple) run unchanged.
 */

import { randomBytes } from 'node:crypto'
import { inherits } from 'node:util'
import connectPgSimple from 'connect-pg-simple'
import { RedisStore } from 'connect-redis'
import express, { type Express } from 'express'
import expressSession from 'express-session'
import pg from 'pg'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import session, {
  CompatStore,
  type Store,
  type StoredSession,
  storeKeyFor,
} from '../../src/adapters/express.js'
import { KeyRing, sign } from '../../src/core/crypto.js'
import { generateId } from '../../src/core/ids.js'
import { MemoryStore as SessionkitMemoryStore } from '../../src/stores/memory.js'
import { describeWithService, requireService } from '../support/services.js'
import { Browser } from './client.js'
import { dataOf, EXPRESS_SECRET, type Served, serve } from './express-helpers.js'

type Factory = (options: Record<string, unknown>) => express.RequestHandler

/** A counter app; `factory` is express-session or sessionkit/express, with the given store. */
function counterApp(factory: Factory, options: Record<string, unknown>): Express {
  const app = express()
  app.use(factory({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false, ...options }))
  app.get('/count', (req, res) => {
    const data = req.session as unknown as { count?: number }
    data.count = (data.count ?? 0) + 1
    res.json({ count: data.count, id: req.sessionID })
  })
  app.get('/data', (req, res) => {
    res.json(dataOf(req.session))
  })
  return app
}

const peer: Factory = (options) =>
  expressSession(options as unknown as expressSession.SessionOptions)
const ours: Factory = (options) => session(options as unknown as Parameters<typeof session>[0])

describe('cookies express-session signed', () => {
  const running: Served[] = []
  afterEach(async () => {
    for (const served of running.splice(0)) await served.close()
  })
  async function start(app: Express): Promise<Browser> {
    const served = await serve(app)
    running.push(served)
    return new Browser(served.url)
  }

  it('are read with the same secret and the same (callback) store: nobody is signed out, and back', async () => {
    const store = new expressSession.MemoryStore()
    const before = await start(counterApp(peer, { store }))
    expect(await (await before.request('/count')).json()).toMatchObject({ count: 1 })
    const cookie = before.jar.get('connect.sid') ?? ''

    const after = await start(counterApp(ours, { store }))
    after.jar.set('connect.sid', cookie)
    expect(await (await after.request('/count')).json()).toMatchObject({ count: 2 })

    // The way back stays open: express-session reads what sessionkit/express wrote.
    const back = await start(counterApp(peer, { store }))
    back.jar.set('connect.sid', cookie)
    expect(await (await back.request('/count')).json()).toMatchObject({ count: 3 })
  })

  it('are read with an older secret in the list', async () => {
    const store = new expressSession.MemoryStore()
    const old = `${EXPRESS_SECRET}-old`
    const before = await start(counterApp(peer, { store, secret: old }))
    await before.request('/count')
    const after = await start(counterApp(ours, { store, secret: [EXPRESS_SECRET, old] }))
    after.jar.set('connect.sid', before.jar.get('connect.sid') ?? '')
    expect(await (await after.request('/count')).json()).toMatchObject({ count: 2 })
  })

  it('find their sessions in a sessionkit store after an import keyed by storeKeyFor, hashed at rest', async () => {
    const legacy = new expressSession.MemoryStore()
    const before = await start(counterApp(peer, { store: legacy }))
    await before.request('/count')
    await before.request('/count')
    const sid =
      decodeURIComponent(before.jar.get('connect.sid') ?? '')
        .slice(2)
        .split('.')[0] ?? ''

    // What `sessionkit migrate` does with connect-redis's sess:<sid> keys: write each session
    // under storeKeyFor(sid). CompatStore#set is that write.
    const kit = new SessionkitMemoryStore({ sweepInterval: 0 })
    const imported = new CompatStore(kit)
    const sessions = await new Promise<Record<string, StoredSession>>((resolve, reject) =>
      legacy.all((err, all) =>
        err ? reject(err) : resolve((all ?? {}) as Record<string, StoredSession>),
      ),
    )
    for (const [id, stored] of Object.entries(sessions)) {
      await new Promise<void>((resolve, reject) =>
        imported.set(id, stored, (err) => (err ? reject(err) : resolve())),
      )
    }
    expect(storeKeyFor(sid)).not.toBe(sid)
    expect(await kit.get(sid, Date.now())).toBeNull()
    expect((await kit.get(storeKeyFor(sid), Date.now()))?.data).toMatchObject({ count: 2 })

    const after = await start(counterApp(ours, { store: imported }))
    after.jar.set('connect.sid', before.jar.get('connect.sid') ?? '')
    expect(await (await after.request('/count')).json()).toMatchObject({ count: 3, id: sid })
    await kit.close()
  })

  it('and sessionkit/express write byte-identical cookies for the same ID and secret', async () => {
    const genid = () => 'apple'
    const a = await start(counterApp(peer, { genid }))
    const b = await start(counterApp(ours, { genid }))
    const peerCookie = (await a.request('/count')).headers.getSetCookie()
    const ourCookie = (await b.request('/count')).headers.getSetCookie()
    expect(ourCookie).toEqual(peerCookie)
  })
})

describe("sessionkit's own cookie format", () => {
  it('is read too, under the configured name', async () => {
    const store = new session.MemoryStore()
    const served = await serve(counterApp(ours, { store }))
    try {
      const browser = new Browser(served.url)
      await browser.request('/count')
      const sid =
        decodeURIComponent(browser.jar.get('connect.sid') ?? '')
          .slice(2)
          .split('.')[0] ?? ''
      const token = sign(new KeyRing([EXPRESS_SECRET]), sid)
      const other = new Browser(served.url)
      other.jar.set('connect.sid', token)
      expect(await (await other.request('/count')).json()).toMatchObject({ count: 2, id: sid })
      // A sessionkit-format value signed with another secret is no session.
      const forged = new Browser(served.url)
      forged.jar.set('connect.sid', sign(new KeyRing([generateId()]), sid))
      expect(await (await forged.request('/count')).json()).toMatchObject({ count: 1 })
    } finally {
      await served.close()
    }
  })
})

describe('the express-session export shape', () => {
  it('carries Store, MemoryStore, Cookie and Session, as require("express-session") does', () => {
    expect(typeof session.Store).toBe('function')
    expect(new session.MemoryStore()).toBeInstanceOf(session.Store)
    expect(new session.Cookie({ maxAge: 1000 }).originalMaxAge).toBe(1000)
    expect(typeof session.Session).toBe('function')
    expect(() => new session.Session({} as never)).toThrow(TypeError)
  })

  it('lets a store written before classes extend Store (util.inherits and Store.call(this))', async () => {
    interface OldStyle {
      sessions: Record<string, string>
    }
    // As stores of express-session's early days are written (and its own test stores).
    function OldStyleStore(this: OldStyle) {
      ;(session.Store as unknown as (this: OldStyle) => void).call(this)
      this.sessions = {}
    }
    inherits(OldStyleStore, session.Store as unknown as new () => object)
    Object.assign(OldStyleStore.prototype, {
      get(this: OldStyle, sid: string, callback: (err: unknown, value?: unknown) => void) {
        const json = this.sessions[sid]
        callback(null, json === undefined ? undefined : JSON.parse(json))
      },
      set(this: OldStyle, sid: string, value: unknown, callback: () => void) {
        this.sessions[sid] = JSON.stringify(value)
        callback()
      },
      destroy(this: OldStyle, sid: string, callback: () => void) {
        delete this.sessions[sid]
        callback()
      },
    })
    const store = new (OldStyleStore as unknown as new () => OldStyle & Store)()
    expect(store).toBeInstanceOf(session.Store)
    expect(typeof store.on).toBe('function')
    expect(typeof store.createSession).toBe('function')
    const served = await serve(counterApp(ours, { store }))
    try {
      const browser = new Browser(served.url)
      expect(await (await browser.request('/count')).json()).toMatchObject({ count: 1 })
      expect(await (await browser.request('/count')).json()).toMatchObject({ count: 2 })
      expect(Object.keys(store.sessions)).toHaveLength(1)
    } finally {
      await served.close()
    }
  })
})

const postgres = await requireService('PostgreSQL', '127.0.0.1', 5432)
describeWithService(
  postgres,
  'connect-pg-simple, built from sessionkit/express as from express-session',
  () => {
    const PGStore = connectPgSimple(session as unknown as Parameters<typeof connectPgSimple>[0])
    const url = 'postgres://postgres@127.0.0.1:5432/test'
    const tableName = `sk_express_${randomBytes(6).toString('hex')}`
    // connect-pg-simple's own table.sql, with names of our own: its fixed index and key names
    // would collide with any other test creating its table at the same time.
    const admin = new pg.Pool({ connectionString: url })
    const store = new PGStore({
      conString: url,
      tableName,
      createTableIfMissing: false,
      pruneSessionInterval: false,
    })
    beforeAll(async () => {
      await admin.query(
        `CREATE TABLE "${tableName}" (sid varchar NOT NULL PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`,
      )
    })
    afterAll(async () => {
      store.close()
      await admin.query(`DROP TABLE IF EXISTS "${tableName}"`)
      await admin.end()
    })

    it('stores sessions, and concurrent changes to different keys are all kept', async () => {
      const app = counterApp(ours, { store })
      app.get('/key/:i', (req, res) => {
        setTimeout(() => {
          Object.assign(req.session, { [`k${req.params.i}`]: true })
          res.send('ok')
        }, 20)
      })
      const served = await serve(app)
      try {
        const browser = new Browser(served.url)
        expect((await browser.request('/count')).status).toBe(200)
        const statuses = await Promise.all(
          Array.from({ length: 30 }, (_, i) => browser.request(`/key/${i}`).then((r) => r.status)),
        )
        expect(new Set(statuses)).toEqual(new Set([200]))
        const data = (await (await browser.request('/data')).json()) as Record<string, unknown>
        expect(Object.keys(data).filter((key) => /^k\d+$/.test(key))).toHaveLength(30)
        expect(data.count).toBe(1)
      } finally {
        await served.close()
      }
    })
  },
)

const redis = await requireService('Redis', '127.0.0.1', 6379)
describeWithService(redis, 'connect-redis (extends express-session’s own Store)', () => {
  const client = createClient({ url: 'redis://127.0.0.1:6379' })
  const prefix = `sk-express-test-${process.pid}:`
  afterAll(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) {
      if (keys.length > 0) await client.del(keys)
    }
    await client.quit()
  })

  it('keeps its sess:<sid> layout: an express-session cookie keeps working, and login/devices work', async () => {
    await client.connect()
    const store = new RedisStore({ client, prefix })
    const before = await serve(counterApp(peer, { store }))
    const browser = new Browser(before.url)
    await browser.request('/count')
    await before.close()
    const sid =
      decodeURIComponent(browser.jar.get('connect.sid') ?? '')
        .slice(2)
        .split('.')[0] ?? ''
    expect(await client.exists(`${prefix}${sid}`)).toBe(1)

    const app = counterApp(ours, { store })
    app.get('/login', async (req, res) => {
      await req.session.login('user-1')
      res.json(await req.session.devices())
    })
    const after = await serve(app)
    try {
      const moved = new Browser(after.url)
      moved.jar.set('connect.sid', browser.jar.get('connect.sid') ?? '')
      expect(await (await moved.request('/count')).json()).toMatchObject({ count: 2, id: sid })
      const devices = (await (await moved.request('/login')).json()) as Array<{ current: boolean }>
      expect(devices).toHaveLength(1)
      expect(devices[0]?.current).toBe(true)
      expect(await client.exists(`${prefix}${sid}`)).toBe(0)
    } finally {
      await after.close()
    }
  })
})
