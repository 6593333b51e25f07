/**
 * PostgresStore against the real server on 127.0.0.1:5432 (user postgres, database test).
 * Everything runs in schemas of this run's own (`sk_test_<random>…`), dropped in afterAll, so
 * the file can share the server with anything else. Option checks run without a server.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:net'
import { performance } from 'node:perf_hooks'
import { inspect } from 'node:util'
import { parseSetCookie } from 'cookie'
import type PgTypes from 'pg'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { describeWithService, requireService } from '../../test/support/services.js'
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.js'
import type { SessionRecord } from '../core/store.js'
import {
  generateId,
  hashId,
  InvalidConfigError,
  openStore,
  SessionManager,
  StateTokens,
  StoreError,
  StoreUnavailableError,
} from '../index.js'
import { testStore } from '../testing/index.js'
import { POSTGRES_SCHEMA_VERSION, PostgresStore, postgresSchemaSql } from './postgres.js'
import { migrationLockKey, postgresTables } from './postgres-schema.js'

const Pg = createRequire(import.meta.url)('pg') as typeof PgTypes
type Pool = PgTypes.Pool

const HOST = '127.0.0.1'
const PORT = 5432
const URL = `postgres://postgres@${HOST}:${PORT}/test`
const gate = await requireService('PostgreSQL', HOST, PORT)

const run = randomBytes(4).toString('hex')
/** The schema the conformance suite and most tests share. */
const SCHEMA = `sk_test_${run}`
const schemas = new Set<string>([SCHEMA])
const opened: Array<{ close(): Promise<void> }> = []
let adminPool: Pool | undefined
let sharedPool: Pool | undefined

/** A schema of its own for one test, dropped with the others in afterAll. */
function freshSchema(label: string): string {
  const schema = `sk_test_${run}_${label}`
  schemas.add(schema)
  return schema
}

/** A pool for the test's own SQL (checks, row locks, DROP SCHEMA). */
function admin(): Pool {
  adminPool ??= new Pg.Pool({ connectionString: URL, max: 4 })
  return adminPool
}

/** "The user's own pool": plain pg defaults, no timeouts at all. */
function userPool(): Pool {
  sharedPool ??= new Pg.Pool({ connectionString: URL, max: 10 })
  return sharedPool
}

function track<T extends { close(): Promise<void> }>(closable: T): T {
  opened.push(closable)
  return closable
}

/** A pool of the test's own, ended in afterAll. */
function trackPool(pool: Pool): Pool {
  opened.push({ close: () => pool.end() })
  return pool
}

/** A store on the shared schema (or the one given), through URL unless a pool is given. */
function store(options: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}) {
  const connection = options.pool === undefined ? { url: URL } : {}
  return track(new PostgresStore({ ...connection, schema: SCHEMA, ...options }))
}

afterAll(async () => {
  try {
    await Promise.allSettled(opened.map((closable) => closable.close()))
    await sharedPool?.end()
  } finally {
    // Stores create schemas even in a run filtered down to tests that never used admin().
    if (gate.run) {
      for (const schema of schemas) await admin().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin().end()
    }
  }
})

function record(now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    data: { cart: ['sku-1'] },
    userId: null,
    tenantId: null,
    ip: '192.0.2.1',
    userAgent: 'vitest',
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  }
}

const newKey = (): string => hashId(generateId())

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Resolves with the promise's rejection and how long it took to arrive, in ms. */
async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now()
  const error = await caught(promise)
  return { error, ms: performance.now() - start }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function columnsOf(schema: string): Promise<string[]> {
  const result = await admin().query<{ line: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
       coalesce(collation_name, '-') AS line
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
    [schema],
  )
  return result.rows.map((row) => row.line)
}

async function indexesOf(schema: string): Promise<string[]> {
  const result = await admin().query<{ def: string }>(
    'SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
    [schema],
  )
  return result.rows.map((row) => row.def.replaceAll(schema, '<schema>'))
}

async function schemaExists(schema: string): Promise<boolean> {
  const result = await admin().query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
  return result.rowCount === 1
}

describe('PostgresStore options (no server needed)', () => {
  it.each([
    ['neither url nor pool', {}],
    ['both url and pool', { url: URL, pool: {} }],
    ['a URL of another scheme', { url: 'mysql://root@localhost/db' }],
    ['a pool that is not a pool', { pool: { query() {} } }],
    ['a schema that is not an identifier', { url: URL, schema: 'a-b' }],
    ['a schema with a quote', { url: URL, schema: 'a"b' }],
    ['a pg_ schema', { url: URL, schema: 'pg_sessions' }],
    ['a tablePrefix with a space', { url: URL, tablePrefix: 'a b' }],
    ['a tablePrefix too long for PostgreSQL names', { url: URL, tablePrefix: 'p'.repeat(45) }],
    ['a zero connectTimeout', { url: URL, connectTimeout: 0 }],
    ['a malformed queryTimeout', { url: URL, queryTimeout: 'soon' }],
    ['a migrate that is not a boolean', { url: URL, migrate: 'yes' }],
    ['a preparedStatements that is not a boolean', { url: URL, preparedStatements: 1 }],
  ])('rejects %s with InvalidConfigError', (_label, options) => {
    expect(() => new PostgresStore(options as never)).toThrow(InvalidConfigError)
  })

  it('never repeats a URL (or its password) in an error', () => {
    for (const url of ['postgres://admin:hunter2@[::1/db', 'postgres://admin:hunter2@h:99999/db']) {
      const error = (() => {
        try {
          new PostgresStore({ url })
        } catch (thrown) {
          return thrown
        }
      })()
      expect(error).toBeInstanceOf(InvalidConfigError)
      expect(inspect(error, { depth: 10 })).not.toContain('hunter2')
    }
  })

  it('opens no connection until the first operation', async () => {
    let connections = 0
    const server: Server = createServer((socket) => {
      connections += 1
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    try {
      const silent = track(
        new PostgresStore({
          url: `postgres://postgres@${HOST}:${address.port}/test`,
          connectTimeout: 200,
        }),
      )
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(connections).toBe(0)
      const error = await caught(silent.get(newKey(), Date.now()))
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(connections).toBeGreaterThan(0)
      await silent.close()
    } finally {
      server.close()
    }
  })

  it('throws MissingDependencyError when pg is not installed', async () => {
    vi.resetModules()
    vi.doMock('node:module', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:module')>()),
      createRequire: () => () => {
        throw Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' })
      },
    }))
    try {
      const { PostgresStore: Unloadable } = await import('./postgres.js')
      expect(() => new Unloadable({ url: URL })).toThrow(
        expect.objectContaining({ code: 'SESSIONKIT_MISSING_DEPENDENCY', packageName: 'pg' }),
      )
    } finally {
      vi.doUnmock('node:module')
      vi.resetModules()
    }
  })

  it('exports the schema SQL, quoted, for any schema and prefix', () => {
    const sql = postgresSchemaSql({ schema: 'Auth', tablePrefix: 'app_' })
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "Auth";')
    expect(sql).toContain('CREATE TABLE "Auth"."app_sessions" (')
    expect(sql).toContain('CREATE INDEX "app_sessions_expires_at" ON "Auth"."app_sessions"')
    expect(sql).toContain(`VALUES ('schema_version', '${POSTGRES_SCHEMA_VERSION}')`)
    // public exists everywhere, and CREATE SCHEMA IF NOT EXISTS needs a privilege anyway.
    expect(postgresSchemaSql()).not.toContain('CREATE SCHEMA')
    const upToDate = postgresSchemaSql({ fromVersion: POSTGRES_SCHEMA_VERSION })
    expect(upToDate).not.toContain('CREATE TABLE')
    expect(upToDate).toContain('INSERT INTO "public"."sessionkit_meta"')
    expect(() => postgresSchemaSql({ schema: 'x;drop' })).toThrow(InvalidConfigError)
    expect(() => postgresSchemaSql({ fromVersion: POSTGRES_SCHEMA_VERSION + 1 })).toThrow(
      InvalidConfigError,
    )
  })

  it.each([
    ['a postgres: URL without a server', 'postgres:localhost/test'],
    ['a malformed migrate', `${URL}?migrate=maybe`],
    ['a malformed duration', `${URL}?queryTimeout=soon`],
    ['a bad schema', `${URL}?schema=a-b`],
  ])('openStore rejects %s with InvalidConfigError', (_label, url) => {
    expect(() => openStore(url)).toThrow(InvalidConfigError)
  })
})

describeWithService(gate, 'PostgresStore', () => {
  describe('conformance through a URL', () => {
    testStore('postgres', () => new PostgresStore({ url: URL, schema: SCHEMA }), {
      test: it,
      describe,
    })
  })

  describe("conformance through the user's own pool", () => {
    testStore(
      'postgres (own pool)',
      () => new PostgresStore({ pool: userPool(), schema: SCHEMA }),
      {
        test: it,
        describe,
      },
    )

    it('leaves that pool open on close', async () => {
      const pooled = new PostgresStore({ pool: userPool(), schema: SCHEMA })
      await pooled.set(newKey(), record(Date.now()))
      const listeners = userPool().listenerCount('error')
      await pooled.close()
      await pooled.close()
      expect(userPool().listenerCount('error')).toBe(listeners - 1)
      expect((await userPool().query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await expect(pooled.get(newKey(), Date.now())).rejects.toBeInstanceOf(StoreUnavailableError)
    })
  })

  describe('prepared statements', () => {
    /** The statements the one connection of a single-connection pool has prepared. */
    async function preparedOn(pool: Pool): Promise<string[]> {
      const { rows } = await pool.query<{ name: string }>(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'sessionkit_%' ORDER BY name",
      )
      return rows.map((row) => row.name)
    }

    /** Patches `a: 1` into the session under `key`. */
    function setA(s: PostgresStore, key: string, now: number): Promise<boolean> {
      const times = { updatedAt: now, lastSeenAt: now, expiresAt: now + 60_000 }
      return s.patch(key, { set: { a: 1 }, remove: [], ...times }, now)
    }

    it('prepares each statement once per connection by default, and reuses it', async () => {
      const pool = trackPool(new Pg.Pool({ connectionString: URL, max: 1 }))
      const s = track(new PostgresStore({ pool, schema: SCHEMA }))
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      await s.get(key, now)
      const once = await preparedOn(pool)
      expect(once.length).toBeGreaterThanOrEqual(2)
      for (let i = 0; i < 5; i++) expect(await s.get(key, now)).toEqual(record(now))
      expect(await setA(s, key, now)).toBe(true)
      const after = await preparedOn(pool)
      // The gets reused theirs; the patch added one.
      expect(after.length).toBe(once.length + 1)
    })

    it('prepares nothing with preparedStatements: false (PgBouncer in transaction mode), and works the same', async () => {
      const pool = trackPool(new Pg.Pool({ connectionString: URL, max: 1 }))
      const s = track(new PostgresStore({ pool, schema: SCHEMA, preparedStatements: false }))
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      expect(await s.get(key, now)).toEqual(record(now))
      expect(await setA(s, key, now)).toBe(true)
      expect((await s.get(key, now))?.data).toEqual({ ...record(now).data, a: 1 })
      expect(await preparedOn(pool)).toEqual([])
    })

    it('takes preparedStatements=false from an openStore URL', async () => {
      const s = track(openStore(`${URL}?schema=${SCHEMA}&preparedStatements=false`))
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      expect(await s.get(key, now)).toEqual(record(now))
      expect(() => openStore(`${URL}?preparedStatements=maybe`)).toThrow(InvalidConfigError)
    })
  })

  describe('openStore', () => {
    it('builds a PostgresStore from postgres:// and postgresql:// URLs, with options in the query', async () => {
      const schema = freshSchema('url')
      const application = `sk_test_app_${run}`
      const a = track(
        openStore(
          `${URL}?schema=${schema}&tablePrefix=app_&connectTimeout=2s&queryTimeout=4000&migrate=true&application_name=${application}`,
        ),
      )
      expect(a).toBeInstanceOf(PostgresStore)
      const now = Date.now()
      const key = newKey()
      await a.set(key, record(now))
      const tables = await admin().query(
        "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'app_sessions'",
        [schema],
      )
      expect(tables.rowCount).toBe(1)
      // Parameters that are not store options reach pg: the connection carries the name.
      const named = await admin().query(
        'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
        [application],
      )
      expect(named.rowCount).toBeGreaterThan(0)

      const b = track(
        openStore(`postgresql://postgres@${HOST}:${PORT}/test?schema=${schema}&tablePrefix=app_`),
      )
      expect(b).toBeInstanceOf(PostgresStore)
      expect(await b.get(key, now)).toEqual(record(now))
    })
  })

  describe('schema', () => {
    it('is created on first use, with the version recorded', async () => {
      const schema = freshSchema('fresh')
      const fresh = store({ schema })
      expect(await schemaExists(schema)).toBe(false)
      expect(await fresh.get(newKey(), Date.now())).toBeNull()
      expect(await schemaExists(schema)).toBe(true)
      const meta = await admin().query(`SELECT key, value FROM "${schema}".sessionkit_meta`)
      expect(meta.rows).toEqual([{ key: 'schema_version', value: String(POSTGRES_SCHEMA_VERSION) }])
      expect(await indexesOf(schema)).toEqual([
        'CREATE UNIQUE INDEX sessionkit_meta_pkey ON <schema>.sessionkit_meta USING btree (key)',
        'CREATE INDEX sessionkit_sessions_expires_at ON <schema>.sessionkit_sessions USING btree (expires_at)',
        'CREATE UNIQUE INDEX sessionkit_sessions_pkey ON <schema>.sessionkit_sessions USING btree (key)',
        'CREATE INDEX sessionkit_sessions_user_id ON <schema>.sessionkit_sessions USING btree (user_id) WHERE (user_id IS NOT NULL)',
        'CREATE INDEX sessionkit_tokens_expires_at ON <schema>.sessionkit_tokens USING btree (expires_at)',
        'CREATE UNIQUE INDEX sessionkit_tokens_pkey ON <schema>.sessionkit_tokens USING btree (key)',
      ])
    })

    it('is not migrated again when re-opened: no write, no DDL, no wait for the migration lock', async () => {
      const schema = freshSchema('reopen')
      const now = Date.now()
      const key = newKey()
      const first = store({ schema })
      await first.set(key, record(now))
      await first.close()
      const xmin = async () =>
        (await admin().query(`SELECT xmin::text AS x FROM "${schema}".sessionkit_meta`)).rows
      const before = await xmin()

      // Another instance "migrating" holds the lock: a store that tried to migrate would wait.
      const holder = await admin().connect()
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [
          migrationLockKey(postgresTables(schema, 'sessionkit_')),
        ])
        const again = store({ schema, queryTimeout: '2s' })
        const start = performance.now()
        expect(await again.get(key, now)).toEqual(record(now))
        expect(performance.now() - start).toBeLessThan(1000)
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()')
        holder.release()
      }
      expect(await xmin()).toEqual(before)
    })

    it('is migrated once by several stores starting together', async () => {
      const schema = freshSchema('race')
      const now = Date.now()
      const stores = Array.from({ length: 6 }, () => store({ schema }))
      const keys = stores.map(() => newKey())
      await Promise.all(stores.map((s, i) => s.set(keys[i] ?? '', record(now, { data: { i } }))))
      const meta = await admin().query(`SELECT value FROM "${schema}".sessionkit_meta`)
      expect(meta.rows).toEqual([{ value: String(POSTGRES_SCHEMA_VERSION) }])
      for (const s of stores) {
        for (const [i, key] of keys.entries()) expect((await s.get(key, now))?.data).toEqual({ i })
      }
    })

    it('waits for a migration held elsewhere, fails within queryTimeout, and retries on the next call', async () => {
      const schema = freshSchema('locked')
      const holder = await admin().connect()
      const waiting = store({ schema, queryTimeout: 500 })
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [
          migrationLockKey(postgresTables(schema, 'sessionkit_')),
        ])
        const { error, ms } = await timedFailure(waiting.get(newKey(), Date.now()))
        expect(error).toBeInstanceOf(StoreUnavailableError)
        expect(ms).toBeLessThan(2000)
        expect(await schemaExists(schema)).toBe(false)
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()')
        holder.release()
      }
      const now = Date.now()
      const key = newKey()
      await waiting.set(key, record(now))
      expect(await waiting.get(key, now)).toEqual(record(now))
    })

    it('with migrate: false, asks for the SQL, then works once it is applied by hand', async () => {
      const schema = freshSchema('manual')
      const manual = store({ schema, migrate: false })
      const error = await caught(manual.get(newKey(), Date.now()))
      expect(error).toBeInstanceOf(StoreError)
      expect(String((error as Error).message)).toContain('postgresSchemaSql')
      expect(await schemaExists(schema)).toBe(false)

      await admin().query(postgresSchemaSql({ schema }))
      const now = Date.now()
      const key = newKey()
      await manual.set(key, record(now))
      expect(await manual.get(key, now)).toEqual(record(now))

      // The hand-applied schema is exactly the one the store migrates to.
      const migrated = freshSchema('auto')
      await store({ schema: migrated }).get(newKey(), now)
      expect(await columnsOf(schema)).toEqual(await columnsOf(migrated))
      expect(await indexesOf(schema)).toEqual(await indexesOf(migrated))
    })

    it('refuses a schema migrated by a newer sessionkit', async () => {
      const schema = freshSchema('newer')
      await store({ schema }).get(newKey(), Date.now())
      await admin().query(`UPDATE "${schema}".sessionkit_meta SET value = $1`, [
        String(POSTGRES_SCHEMA_VERSION + 1),
      ])
      for (const migrate of [true, false]) {
        const error = await caught(store({ schema, migrate }).get(newKey(), Date.now()))
        expect(error).toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
        expect(String((error as Error).message)).toContain('upgrade sessionkit')
      }
    })

    it('keeps stores with different table prefixes apart in one schema', async () => {
      const schema = freshSchema('prefixes')
      const a = store({ schema, tablePrefix: 'app_a_' })
      const b = store({ schema, tablePrefix: 'app_b_' })
      const now = Date.now()
      const key = newKey()
      await a.set(key, record(now))
      expect(await a.get(key, now)).not.toBeNull()
      expect(await b.get(key, now)).toBeNull()
      const tables = await admin().query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      )
      expect(tables.rows.map((row) => row.tablename)).toEqual([
        'app_a_meta',
        'app_a_sessions',
        'app_a_tokens',
        'app_b_meta',
        'app_b_sessions',
        'app_b_tokens',
      ])
    })
  })

  describe('values PostgreSQL cannot hold', () => {
    it('refuses them with StoreError, naming neither the key nor the value', async () => {
      const s = store()
      const now = Date.now()
      const key = newKey()
      const attempts = [
        () => s.set(key, record(now, { data: { secret: 'nul\u0000inside' } })),
        () => s.set(key, record(now, { userAgent: 'nul\u0000inside' })),
        () => s.set(key, record(now, { data: { lone: '\ud800inside' } })),
        () => s.set(key, record(now, { expiresAt: now + 0.5 })),
        () => s.set(key, record(now, { userId: 42 as unknown as string })),
      ]
      for (const attempt of attempts) {
        const error = await caught(attempt())
        expect(error).toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
        expect(String((error as Error).message)).not.toContain(key)
        expect(String((error as Error).message)).not.toContain('inside')
      }
      expect(await s.get(key, now)).toBeNull()
    })
  })

  describe('bulk operations', () => {
    async function fill(schema: string, sessions: number, expiresAt: number): Promise<void> {
      await admin().query(
        `INSERT INTO "${schema}".sessionkit_sessions
           (key, data, created_at, updated_at, last_seen_at, expires_at)
         SELECT 'bulk-' || i || '-' || $2, '{}', $1::bigint - 10, $1::bigint - 10, $1::bigint - 10, $1
         FROM generate_series(1, $3::int) AS i`,
        [expiresAt, randomBytes(6).toString('hex'), sessions],
      )
    }

    it('cleans up in batches, expired tokens included, also with two stores at once', async () => {
      const schema = freshSchema('cleanup')
      const a = store({ schema })
      const b = store({ schema })
      const now = Date.now()
      await a.get(newKey(), now)
      await fill(schema, 2500, now)
      const live = newKey()
      await a.set(live, record(now))
      const liveToken = newKey()
      await a.putToken(liveToken, { value: 1, expiresAt: now + 60_000 })
      await admin().query(
        `INSERT INTO "${schema}".sessionkit_tokens (key, value, expires_at)
         SELECT 'token-' || i, '1', $1 FROM generate_series(1, 1200) AS i`,
        [now],
      )
      expect(await a.cleanup(now)).toBe(2500)
      const count = async (table: string) =>
        (await admin().query(`SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0]?.n
      expect(await count('sessionkit_sessions')).toBe(1)
      expect(await count('sessionkit_tokens')).toBe(1)
      expect(await a.get(live, now)).not.toBeNull()
      expect(await a.consumeToken(liveToken, now)).toBe(1)

      await fill(schema, 3000, now)
      const [one, two] = await Promise.all([a.cleanup(now), b.cleanup(now)])
      expect((one ?? 0) + (two ?? 0)).toBe(3000)
      expect(await count('sessionkit_sessions')).toBe(1)
    })

    it('iterates more than one page, every live session once', async () => {
      const schema = freshSchema('entries')
      const s = store({ schema })
      const now = Date.now()
      await s.get(newKey(), now)
      await fill(schema, 1234, now + 60_000)
      await fill(schema, 10, now)
      const seen = new Set<string>()
      for await (const { key } of s.entries(now)) {
        expect(seen.has(key)).toBe(false)
        seen.add(key)
      }
      expect(seen.size).toBe(1234)
    })
  })

  describe('through the SessionManager', () => {
    function manager(s: PostgresStore) {
      return new SessionManager({
        store: s,
        secrets: [randomBytes(32).toString('base64url')],
        cookie: { secure: false },
      })
    }

    function cookiePair(setCookie: string[]): string {
      const parsed = parseSetCookie(setCookie.at(-1) ?? '')
      return `${parsed.name}=${parsed.value}`
    }

    it('keeps all 200 keys after 200 concurrent load / set / commit cycles on one session', async () => {
      const sessions = track(manager(new PostgresStore({ url: URL, schema: SCHEMA })))
      const first = await sessions.load(undefined)
      first.set('owner', 'test')
      const cookie = cookiePair(await sessions.commit(first))
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const session = await sessions.load(cookie)
          session.set(`key-${i}`, i)
          await sessions.commit(session)
        }),
      )
      const final = await sessions.load(cookie)
      expect(final.isNew).toBe(false)
      expect(final.keys()).toHaveLength(201)
      for (let i = 0; i < 200; i++) expect(final.get(`key-${i}`)).toBe(i)
    })

    it('serves the auth-storage API, devices listing and revocation', async () => {
      const sessions = track(manager(new PostgresStore({ url: URL, schema: SCHEMA })))
      const user = `user-${generateId()}`
      const ids = await Promise.all(
        [1, 2, 3].map((n) => sessions.createSessionForUser(user, { userAgent: `device ${n}` })),
      )
      for (const id of ids) expect(await sessions.getUserIdFromSessionId(id)).toBe(user)
      const devices = await sessions.listUserSessions(user, { current: ids[0] })
      expect(devices.map((d) => d.userAgent).sort()).toEqual(['device 1', 'device 2', 'device 3'])
      expect(devices.filter((d) => d.current)).toHaveLength(1)

      await sessions.deleteSession(ids[1] ?? '')
      expect(await sessions.getUserIdFromSessionId(ids[1] ?? '')).toBeNull()
      expect(await sessions.revokeUserSessions(user, { except: ids[0] })).toBe(1)
      expect(await sessions.getUserIdFromSessionId(ids[0] ?? '')).toBe(user)
      expect(await sessions.getUserIdFromSessionId(ids[2] ?? '')).toBeNull()
      await sessions.createSessionForUser(user)
      expect(await sessions.deleteSessionsByUserId(user)).toBe(2)
      expect(await sessions.listUserSessions(user)).toEqual([])
    })

    it('keeps no raw session ID or token in any table', async () => {
      const schema = freshSchema('rest')
      const s = new PostgresStore({ url: URL, schema })
      const sessions = track(manager(s))
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push(await sessions.createSessionForUser(`user-${i % 2}`))
      for (let i = 0; i < 5; i++) {
        const session = await sessions.load(undefined)
        session.set('n', i)
        await sessions.commit(session)
        ids.push(session.id)
        await session.login(`user-${i}`)
        await sessions.commit(session)
        ids.push(session.id)
      }
      const tokens = new StateTokens({ store: s })
      const issued = await Promise.all(
        Array.from({ length: 5 }, (_, i) => tokens.issue({ purpose: 'p', payload: { i } })),
      )
      const everything = await admin().query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${schema}".sessionkit_sessions t
         UNION ALL SELECT row_to_json(t)::text FROM "${schema}".sessionkit_tokens t
         UNION ALL SELECT row_to_json(t)::text FROM "${schema}".sessionkit_meta t`,
      )
      const text = everything.rows.map((r) => r.row).join('\n')
      // The search can find what is there: the hashes of the live sessions.
      expect(text).toContain(hashId(ids[0] ?? ''))
      for (const raw of [...ids, ...issued]) expect(text).not.toContain(raw)
    })
  })

  describe('failures', () => {
    /** The measured bound every failure must stay under. */
    const BOUND_MS = 5000
    const rejections: unknown[] = []
    const onRejection = (reason: unknown): void => {
      rejections.push(reason)
    }
    let proxy: TcpProxy

    beforeEach(async () => {
      rejections.length = 0
      process.on('unhandledRejection', onRejection)
      proxy = await startTcpProxy(PORT, HOST)
    })

    afterEach(async () => {
      await proxy.close()
      // Let any stray rejection surface before looking.
      await new Promise((resolve) => setTimeout(resolve, 50))
      process.off('unhandledRejection', onRejection)
      expect(rejections).toEqual([])
    })

    const proxied = () => `postgres://postgres@${HOST}:${proxy.port}/test`

    /** Every kind of operation, each expected to reject with StoreUnavailableError. */
    function everyOperation(s: PostgresStore, key: string, now: number): Promise<unknown>[] {
      return [
        s.get(key, now),
        s.set(newKey(), record(now)),
        s.patch(
          key,
          { set: { a: 1 }, remove: [], updatedAt: now, lastSeenAt: now, expiresAt: now + 1000 },
          now,
        ),
        s.touch(key, { lastSeenAt: now, expiresAt: now + 1000 }, now),
        s.destroy(newKey()),
        s.listByUser('someone', now),
        s.destroyByUser('someone'),
        s.cleanup(now - 3_600_000),
        s.putToken(newKey(), { value: 1, expiresAt: now + 1000 }),
        s.consumeToken(newKey(), now),
      ]
    }

    it('an unreachable port fails fast with StoreUnavailableError, without the password', async () => {
      const port = await closedPort()
      const s = store({ url: `postgres://postgres:hunter2@${HOST}:${port}/test` })
      const { error, ms } = await timedFailure(s.get(newKey(), Date.now()))
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(ms).toBeLessThan(1000)
      expect(inspect(error, { depth: 10 })).not.toContain('hunter2')
    })

    it('a cut connection fails every operation within the bound, and the same store recovers when it is back', async () => {
      const s = store({ url: proxied() })
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      // Several idle connections in the pool, all of which the cut kills.
      await Promise.all(Array.from({ length: 5 }, () => s.get(key, now)))

      await proxy.cut()
      const start = performance.now()
      const results = await Promise.allSettled(everyOperation(s, key, now))
      const elapsed = performance.now() - start
      for (const result of results) {
        expect(result.status).toBe('rejected')
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(StoreUnavailableError)
          expect(String(result.reason.message)).not.toContain(key)
        }
      }
      expect(elapsed).toBeLessThan(BOUND_MS)

      await proxy.restore()
      const back = performance.now()
      expect(await s.get(key, now)).toEqual(record(now))
      expect(performance.now() - back).toBeLessThan(BOUND_MS)
      const settled = await Promise.allSettled(everyOperation(s, key, now))
      expect(settled.every((result) => result.status === 'fulfilled')).toBe(true)
    })

    it('an operation in flight when the connection is cut fails within the bound', async () => {
      const s = store({ url: proxied() })
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      const locker = await admin().connect()
      try {
        await locker.query('BEGIN')
        await locker.query(
          `SELECT 1 FROM "${SCHEMA}".sessionkit_sessions WHERE key = $1 FOR UPDATE`,
          [key],
        )
        // The patch now waits on the row lock, inside the server.
        const pending = timedFailure(
          s.patch(
            key,
            { set: { a: 1 }, remove: [], updatedAt: now, lastSeenAt: now, expiresAt: now + 1000 },
            now,
          ),
        )
        await new Promise((resolve) => setTimeout(resolve, 200))
        await proxy.cut()
        const { error, ms } = await pending
        expect(error).toBeInstanceOf(StoreUnavailableError)
        expect(ms).toBeLessThan(BOUND_MS)
      } finally {
        await locker.query('ROLLBACK')
        locker.release()
      }
      await proxy.restore()
      // The server did not see the client go: once the lock is released, its backend may still
      // apply the patch. A write that fails in flight has an unknown outcome (docs say so).
      expect((await s.get(key, now))?.data.cart).toEqual(['sku-1'])
    })

    it('a server that accepts but never answers fails within the bound (connect timeout), not a hang', async () => {
      const s = store({ url: proxied() })
      const now = Date.now()
      const key = newKey()
      await s.set(key, record(now))
      proxy.blackhole(true)
      await proxy.cut()
      await proxy.restore()
      // The pooled connection died in the cut: the first call may fail on it at once. The
      // next one needs a new connection, which the server accepts and never answers.
      const first = await timedFailure(s.get(key, now))
      expect(first.error).toBeInstanceOf(StoreUnavailableError)
      expect(first.ms).toBeLessThan(BOUND_MS)
      const { error, ms } = await timedFailure(s.get(key, now))
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(ms).toBeGreaterThan(2900) // the default 3 s connectTimeout, not something else
      expect(ms).toBeLessThan(BOUND_MS)

      proxy.blackhole(false)
      const back = performance.now()
      expect(await s.get(key, now)).toEqual(record(now))
      expect(performance.now() - back).toBeLessThan(BOUND_MS)
    })

    it("bounds the wait on the user's own pool too, which has no timeout of its own", async () => {
      const pool = trackPool(new Pg.Pool({ connectionString: proxied() }))
      const pooled = store({ pool, connectTimeout: '1s' })
      const now = Date.now()
      const key = newKey()
      await pooled.set(key, record(now))
      proxy.blackhole(true)
      await proxy.cut()
      await proxy.restore()
      const first = await timedFailure(pooled.get(key, now))
      expect(first.error).toBeInstanceOf(StoreUnavailableError)
      expect(first.ms).toBeLessThan(2000)
      const { error, ms } = await timedFailure(pooled.get(key, now))
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(ms).toBeGreaterThan(900)
      expect(ms).toBeLessThan(2000)
      proxy.blackhole(false)
      await proxy.cut()
      await proxy.restore()
      expect(await pooled.get(key, now)).toEqual(record(now))
    })

    it.each([
      ['its own pool (statement_timeout)', false],
      ["the user's pool (client-side query timeout)", true],
    ])(
      'a statement that does not finish in queryTimeout fails on %s, and the store carries on',
      async (_label, usersPool) => {
        const s = usersPool
          ? store({ pool: userPool(), queryTimeout: '1s' })
          : store({ queryTimeout: '1s' })
        const now = Date.now()
        const key = newKey()
        await s.set(key, record(now))
        const locker = await admin().connect()
        try {
          await locker.query('BEGIN')
          await locker.query(
            `SELECT 1 FROM "${SCHEMA}".sessionkit_sessions WHERE key = $1 FOR UPDATE`,
            [key],
          )
          const { error, ms } = await timedFailure(
            s.touch(key, { lastSeenAt: now, expiresAt: now + 1000 }, now),
          )
          expect(error).toBeInstanceOf(StoreUnavailableError)
          expect(ms).toBeGreaterThan(900)
          expect(ms).toBeLessThan(2500)
        } finally {
          await locker.query('ROLLBACK')
          locker.release()
        }
        expect(await s.touch(key, { lastSeenAt: now, expiresAt: now + 2000 }, now)).toBe(true)
      },
    )
  })
})
