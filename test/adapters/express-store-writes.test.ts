/**
 * What a write through sessionkit/express sends to sessionkit's own stores: only the keys that
 * changed. PostgreSQL keeps session data as jsonb, which hands objects back with their keys
 * reordered; the session's cookie settings must still count as unchanged there, or every save
 * would rewrite them.
 */
import { randomBytes } from 'node:crypto'
import express from 'express'
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import session from '../../src/adapters/express.js'
import type { SessionPatch, Store } from '../../src/core/store.js'
import { PostgresStore } from '../../src/stores/postgres.js'
import { describeWithService, requireService } from '../support/services.js'
import { Browser } from './client.js'
import { EXPRESS_SECRET, serve } from './express-helpers.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = `sk_express_writes_${randomBytes(4).toString('hex')}`

/** The keys each patch set and removed, in order. */
function recordPatches(store: Store): string[][] {
  const patches: string[][] = []
  const patch = store.patch.bind(store)
  store.patch = (key: string, change: SessionPatch, now: number) => {
    patches.push([...Object.keys(change.set).sort(), ...change.remove.map((k) => `-${k}`)])
    return patch(key, change, now)
  }
  return patches
}

function app(store: Store): express.Express {
  const app = express()
  app.use(
    session({
      secret: EXPRESS_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 60_000 },
      store,
    }),
  )
  app.post('/count', (req, res) => {
    const data = req.session as unknown as { count?: number }
    data.count = (data.count ?? 0) + 1
    res.json({ count: data.count })
  })
  app.post('/remember', (req, res) => {
    req.session.cookie.maxAge = 120_000
    res.send('ok')
  })
  return app
}

const postgres = await requireService('PostgreSQL', '127.0.0.1', 5432)
describeWithService(postgres, 'sessionkit/express on the PostgreSQL store (jsonb)', () => {
  const store = new PostgresStore({ url: URL, schema: SCHEMA })

  afterAll(async () => {
    await store.close()
    const admin = new pg.Pool({ connectionString: URL })
    await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`)
    await admin.end()
  })

  it('writes only the changed key, not the unchanged cookie settings jsonb reordered', async () => {
    const patches = recordPatches(store)
    const served = await serve(app(store))
    try {
      const browser = new Browser(served.url)
      for (let n = 1; n <= 3; n++) {
        const response = await browser.request('/count', { method: 'POST' })
        expect(await response.json()).toEqual({ count: n })
      }
      // The first request created the session (a set, not a patch); the next two changed `count` only.
      expect(patches).toEqual([['count'], ['count']])
      // A per-visitor maxAge is a change of the cookie settings: that one is written.
      await browser.request('/remember', { method: 'POST' })
      expect(patches.at(-1)).toEqual(['cookie'])
      expect(await (await browser.request('/count', { method: 'POST' })).json()).toEqual({
        count: 4,
      })
      expect(patches.at(-1)).toEqual(['count'])
    } finally {
      await served.close()
    }
  })
})
