/**
 * `sessionkit migrate` from express-session stores, in their real layouts on real servers:
 * connect-redis (a string key `<prefix><id>` with the session JSON and a TTL) and
 * connect-pg-simple (a table of sid, sess json, expire timestamp). The legacy rows are written
 * here with the raw drivers, as those packages write them. Each migrated session must land
 * where `sessionkit/express` looks for it (storeKeyFor(<legacy id>)), with its data, its
 * expiry and, with --user-field, its user; and the old express-session cookie must then load it
 * through the Express adapter.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express from 'express'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import session, { storeKeyFor } from '../../src/adapters/express.js'
import { openStore, type SessionRecord } from '../../src/index.js'
import { describeWithService, requireService } from '../support/services.js'
import { json, sessionkit, tempDir } from './support.js'

// Each test starts the CLI in child processes; a loaded CI machine needs more than the default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const root = tempDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))

const HOUR = 3_600_000

interface Summary {
  migrated: number
  skipped: { expired: number; unreadable: number; noExpiry: number }
  check: { live: number; missing: number }
  ok: boolean
}

/** An express-session ID: uid-safe(24), 32 base64url characters. */
const legacyId = () => randomBytes(24).toString('base64url')

/** A session as express-session serializes it. */
function expressSession(expires: number | null, data: Record<string, unknown>): string {
  return JSON.stringify({
    cookie: {
      originalMaxAge: expires === null ? null : HOUR,
      expires: expires === null ? null : new Date(expires).toISOString(),
      httpOnly: true,
      path: '/',
    },
    ...data,
  })
}

/** The record a target store holds for the express-session ID `sid`. */
async function recordIn(url: string, sid: string): Promise<SessionRecord | null> {
  const store = openStore(url)
  try {
    return await store.get(storeKeyFor(sid), Date.now())
  } finally {
    await store.close()
  }
}

/** The cookie-signature secret the old express-session app signed its cookies with. */
const EXPRESS_SECRET = randomBytes(32).toString('base64url')

/** The Cookie header express-session gave a browser for `sid`: `s:<sid>.<base64 HMAC>`, URL-encoded. */
function expressCookie(sid: string): string {
  const mac = createHmac('sha256', EXPRESS_SECRET).update(sid).digest('base64').replace(/=+$/, '')
  return `connect.sid=${encodeURIComponent(`s:${sid}.${mac}`)}`
}

/** Requests `/` of a sessionkit/express app on `url` with the old cookie; the app counts views. */
async function visitWithOldCookie(url: string, sid: string): Promise<Record<string, unknown>> {
  const store = openStore(url)
  const app = express()
  app.use(session({ secret: EXPRESS_SECRET, store, resave: false, saveUninitialized: false }))
  app.get('/', (req, res) => {
    const data = req.session as unknown as Record<string, unknown>
    data.views = (typeof data.views === 'number' ? data.views : 0) + 1
    res.json({ views: data.views, id: req.sessionID })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { cookie: expressCookie(sid) },
    })
    return (await response.json()) as Record<string, unknown>
  } finally {
    await new Promise((resolve) => server.close(resolve))
    await store.close()
  }
}

/** express-session's cookie settings, as the migrated data keeps them (without `expires`). */
const COOKIE_SETTINGS = { originalMaxAge: HOUR, httpOnly: true, path: '/' }

let counter = 0
const sqliteTarget = () => `sqlite:${join(root, `target-${counter++}.db`)}`
const fileTarget = () => `file:${join(root, `target-${counter++}`)}`

describe('legacy sources that cannot be reached exit with 1', () => {
  it.each(['connect-redis://127.0.0.1:1', 'connect-pg-simple://postgres@127.0.0.1:1/app'])(
    '%s',
    async (from) => {
      const result = await sessionkit(['migrate', '--from', from, '--to', sqliteTarget()])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^sessionkit: SESSIONKIT_STORE_UNAVAILABLE: .*connect-/)
    },
  )

  it('refuses a malformed legacy URL with 2, without repeating it', async () => {
    const result = await sessionkit([
      'migrate',
      '--from',
      'connect-redis://:s3cret@127.0.0.1?prefx=sess:',
      '--to',
      sqliteTarget(),
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('has no parameter "prefx"')
    expect(result.stderr).not.toContain('s3cret')
  })
})

const redisGate = await requireService('Redis', '127.0.0.1', 6379)

describeWithService(redisGate, 'migrate from connect-redis', () => {
  // `?` in the prefix must be matched literally, not as a SCAN wildcard.
  const tag = randomBytes(6).toString('hex')
  const prefix = `sk?legacy-${tag}:`
  const decoy = `skXlegacy-${tag}:decoy`
  const from = `connect-redis://127.0.0.1:6379?prefix=${encodeURIComponent(prefix)}`
  const ids = {
    live: legacyId(),
    touched: legacyId(),
    noTtl: legacyId(),
    noExpiry: legacyId(),
    malformed: legacyId(),
    wrongType: legacyId(),
  }
  let redis: Redis
  let now: number

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true })
    await redis.connect()
    now = Date.now()
    await redis.set(
      prefix + ids.live,
      expressSession(now + HOUR, { passport: { user: 'user-7' }, views: 3 }),
      'EX',
      3600,
    )
    // express-session's touch moved the TTL forward and left cookie.expires behind.
    await redis.set(prefix + ids.touched, expressSession(now - HOUR, { views: 1 }), 'EX', 7200)
    // connect-redis with disableTTL: only cookie.expires says when it ends.
    await redis.set(prefix + ids.noTtl, expressSession(now + 3 * HOUR, { theme: 'dark' }))
    await redis.set(prefix + ids.noExpiry, expressSession(null, { guest: true }))
    await redis.set(prefix + ids.malformed, '{not json', 'EX', 3600)
    await redis.hset(prefix + ids.wrongType, 'field', 'value')
    await redis.set(decoy, expressSession(now + HOUR, {}), 'EX', 3600)
  })

  afterAll(async () => {
    await redis.del(...Object.values(ids).map((id) => prefix + id), decoy)
    await redis.quit()
  })

  it('writes every live session where sessionkit/express finds it, with data, expiry and user', async () => {
    const to = sqliteTarget()
    const result = await sessionkit([
      'migrate',
      '--from',
      from,
      '--to',
      to,
      '--user-field',
      'passport.user',
      '--json',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(json<Summary>(result)).toMatchObject({
      migrated: 3,
      skipped: { expired: 0, unreadable: 2, noExpiry: 1 },
      check: { live: 3, missing: 0 },
      ok: true,
    })

    const live = await recordIn(to, ids.live)
    expect(live?.data).toEqual({ cookie: COOKIE_SETTINGS, passport: { user: 'user-7' }, views: 3 })
    expect(live?.userId).toBe('user-7')
    expect(live?.expiresAt).toBeGreaterThan(now + HOUR - 5000)
    expect(live?.expiresAt).toBeLessThan(now + HOUR + 5000)
    // The TTL wins over a stale cookie.expires.
    const touched = await recordIn(to, ids.touched)
    expect(touched?.expiresAt).toBeGreaterThan(now + 2 * HOUR - 5000)
    expect(touched?.userId).toBeNull()
    const noTtl = await recordIn(to, ids.noTtl)
    expect(noTtl?.expiresAt).toBe(now + 3 * HOUR)
    expect(await recordIn(to, 'decoy')).toBeNull()

    const stats = json<{ sessions: number; byUser: Record<string, number> }>(
      await sessionkit(['--store', to, 'stats', '--json']),
    )
    expect(stats).toMatchObject({ sessions: 3, byUser: { 'user-7': 1 } })

    // The cookie express-session issued keeps working: the Express adapter finds the session.
    expect(await visitWithOldCookie(to, ids.live)).toEqual({ views: 4, id: ids.live })
    expect(await visitWithOldCookie(to, ids.live)).toEqual({ views: 5, id: ids.live })
    // And the CLI finds it by its express-session ID.
    const shown = await sessionkit(['--store', to, 'show', ids.live, '--json'])
    expect(json<{ handle: string }>(shown).handle).toBe(storeKeyFor(ids.live))
  })

  it('gives sessions without any expiry --default-ttl', async () => {
    const to = fileTarget()
    const result = await sessionkit([
      'migrate',
      '--from',
      from,
      '--to',
      to,
      '--default-ttl',
      '1h',
      '--json',
    ])
    expect(json<Summary>(result)).toMatchObject({ migrated: 4, skipped: { noExpiry: 0 } })
    const guest = await recordIn(to, ids.noExpiry)
    expect(guest?.data).toEqual({
      cookie: { originalMaxAge: null, httpOnly: true, path: '/' },
      guest: true,
    })
  })
})

const pgGate = await requireService('PostgreSQL', '127.0.0.1', 5432)

describeWithService(pgGate, 'migrate from connect-pg-simple', () => {
  const table = `sk_legacy_${randomBytes(6).toString('hex')}`
  const from = `connect-pg-simple://postgres@127.0.0.1:5432/test?table=${table}`
  const ids = { user: legacyId(), touched: legacyId(), expired: legacyId(), scalar: legacyId() }
  const BULK = 600
  let client: pg.Client
  let now: number

  beforeAll(async () => {
    client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
    await client.connect()
    // connect-pg-simple's own table.sql.
    await client.query(`CREATE TABLE "${table}" (
      "sid" varchar NOT NULL COLLATE "default",
      "sess" json NOT NULL,
      "expire" timestamp(6) NOT NULL,
      PRIMARY KEY ("sid"))`)
    now = Date.now()
    // As connect-pg-simple writes: expire = to_timestamp(<seconds>).
    const insert = (sid: string, sess: string, expireMs: number) =>
      client.query(`INSERT INTO "${table}" (sid, sess, expire) VALUES ($1, $2, to_timestamp($3))`, [
        sid,
        sess,
        Math.ceil(expireMs / 1000),
      ])
    await insert(
      ids.user,
      expressSession(now + HOUR, { passport: { user: 42 }, cart: ['sku-1'] }),
      now + HOUR,
    )
    await insert(ids.touched, expressSession(now - HOUR, { views: 2 }), now + 5 * HOUR)
    await insert(ids.expired, expressSession(now - HOUR, {}), now - HOUR)
    await insert(ids.scalar, '"just a string"', now + HOUR)
    // Enough rows to need more than one page.
    await client.query(
      `INSERT INTO "${table}" (sid, sess, expire)
       SELECT 'bulk-' || n, '{"cookie":{"expires":null},"n":1}'::json, now()::timestamp + interval '2 hours'
       FROM generate_series(1, ${BULK}) AS n`,
    )
  })

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS "${table}"`)
    await client.end()
  })

  it('writes every live row where sessionkit/express finds it, with data, expiry and user', async () => {
    const to = fileTarget()
    const result = await sessionkit([
      'migrate',
      '--from',
      from,
      '--to',
      to,
      '--user-field',
      'passport.user',
      '--concurrency',
      '32',
      '--json',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(json<Summary>(result)).toMatchObject({
      migrated: BULK + 2,
      skipped: { unreadable: 1, noExpiry: 0 },
      check: { live: BULK + 2, missing: 0 },
      ok: true,
    })
    const user = await recordIn(to, ids.user)
    expect(user).toMatchObject({
      userId: '42',
      data: { cookie: COOKIE_SETTINGS, passport: { user: 42 }, cart: ['sku-1'] },
    })
    expect(Math.abs((user?.expiresAt ?? 0) - (now + HOUR))).toBeLessThan(2000)
    const touched = await recordIn(to, ids.touched)
    expect(Math.abs((touched?.expiresAt ?? 0) - (now + 5 * HOUR))).toBeLessThan(2000)
    expect(await recordIn(to, ids.expired)).toBeNull()
    expect(await recordIn(to, 'bulk-600')).toMatchObject({ data: { n: 1 } })
    expect(await visitWithOldCookie(to, ids.touched)).toEqual({ views: 3, id: ids.touched })
  })

  it('names a missing table', async () => {
    const result = await sessionkit([
      'migrate',
      '--from',
      'connect-pg-simple://postgres@127.0.0.1:5432/test?table=sk_no_such_table',
      '--to',
      sqliteTarget(),
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('there is no table "sk_no_such_table"')
  })
})
