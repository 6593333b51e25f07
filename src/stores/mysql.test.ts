/**
 * The MySQL / MariaDB store against the real MariaDB at 127.0.0.1:3306 (CI starts it; on a
 * laptop without it the tests skip with a visible reason). Every run uses its own table
 * prefixes and drops those tables when it is done.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { inspect } from 'node:util'
import { parseSetCookie } from 'cookie'
import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { describeWithService, requireService } from '../../test/support/services.js'
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.js'
import type { SessionRecord, Store } from '../core/store.js'
import { generateId, hashId, SessionManager } from '../index.js'
import { testStore } from '../testing/index.js'
import {
  MYSQL_SCHEMA_VERSION,
  MysqlStore,
  type MysqlStoreOptions,
  mysqlSchemaSql,
  mysqlSchemaStatements,
} from './mysql.js'
import { describeServer, FORCE_FLAVOUR } from './mysql-server.js'
import { openStore } from './open-store.js'

const HOST = '127.0.0.1'
const PORT = 3306
const URL = `mysql://root@${HOST}:${PORT}/test`
const gate = await requireService('MariaDB', HOST, PORT)

const run = randomBytes(3).toString('hex')
const prefixes = new Set<string>()
let prefixCount = 0

/** A table prefix of this run; its tables are dropped in afterAll. */
function freshPrefix(): string {
  prefixCount += 1
  const prefix = `sk_${run}_${prefixCount}_`
  prefixes.add(prefix)
  return prefix
}

const PREFIX = freshPrefix()
/** Pools the tests open themselves; ended in afterAll. */
const pools: Pool[] = []
const stores: Store[] = []

function pool(extra: Record<string, unknown> = {}): Pool {
  const made = createPool({ uri: URL, connectionLimit: 20, ...extra })
  pools.push(made)
  return made
}

function store(options: Partial<MysqlStoreOptions> = {}): MysqlStore {
  const made = new MysqlStore({ url: URL, tablePrefix: PREFIX, ...options } as MysqlStoreOptions)
  stores.push(made)
  return made
}

const admin = gate.run ? pool({ multipleStatements: true }) : undefined

async function sql<T = RowDataPacket>(text: string, values: unknown[] = []): Promise<T[]> {
  if (admin === undefined) throw new Error('MariaDB is not reachable')
  const [rows] = await admin.query(text, values)
  return rows as T[]
}

afterAll(async () => {
  await Promise.allSettled(stores.map((made) => made.close()))
  if (admin !== undefined) {
    for (const prefix of prefixes) {
      await sql(
        `DROP TABLE IF EXISTS \`${prefix}sessions\`, \`${prefix}tokens\`, \`${prefix}meta\``,
      )
    }
  }
  await Promise.allSettled(pools.map((made) => made.end()))
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

/**
 * A pool that records the SQL text of every statement run on its connections, so a test can
 * see what the store sent (DDL, locks, the token path) without reading server logs.
 */
function recordingPool(target: Pool, log: string[]): Pool {
  const wrapConnection = (connection: PoolConnection): PoolConnection =>
    new Proxy(connection, {
      get(conn, property) {
        const value: unknown = Reflect.get(conn, property)
        if (typeof value !== 'function') return value
        if (property !== 'execute' && property !== 'query') return value.bind(conn)
        return (options: string | { sql: string }, values?: unknown) => {
          log.push(typeof options === 'string' ? options : options.sql)
          return value.call(conn, options, values)
        }
      },
    })
  return new Proxy(target, {
    get(pool, property) {
      if (property === 'getConnection') {
        return async () => wrapConnection(await pool.getConnection())
      }
      const value: unknown = Reflect.get(pool, property)
      return typeof value === 'function' ? value.bind(pool) : value
    },
  })
}

async function tableNames(prefix: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ? ORDER BY TABLE_NAME',
    [`${prefix.replaceAll('_', '\\_')}%`],
  )
  return rows.map((row) => row.name)
}

async function schemaVersion(prefix: string): Promise<string | undefined> {
  const rows = await sql<{ value: string }>(
    `SELECT \`value\` FROM \`${prefix}meta\` WHERE \`key\` = 'schema_version'`,
  )
  return rows[0]?.value
}

/** Resolves with the rejection of `promise` and how long it took to arrive. */
async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await promise
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('expected the operation to fail')
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address !== 'object') throw new Error('no port')
  return address.port
}

describeWithService(gate, 'MysqlStore conformance (url)', () => {
  testStore('mysql url', () => new MysqlStore({ url: URL, tablePrefix: PREFIX }), {
    test: it,
    describe,
  })
})

describeWithService(gate, "MysqlStore conformance (the user's own pool)", () => {
  const own = gate.run ? pool() : undefined
  testStore('mysql pool', () => new MysqlStore({ pool: own as Pool, tablePrefix: PREFIX }), {
    test: it,
    describe,
  })
  it('leaves the pool it was given open on close', async () => {
    const given = own as Pool
    const made = new MysqlStore({ pool: given, tablePrefix: PREFIX })
    await made.get(hashId(generateId()), Date.now())
    await made.close()
    await made.close()
    const [rows] = await given.query<RowDataPacket[]>('SELECT 1 AS one')
    expect(rows[0]?.one).toBe(1)
    await expect(made.get(hashId(generateId()), Date.now())).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_UNAVAILABLE',
    })
  })
})

describeWithService(gate, 'MysqlStore conformance (MySQL 8 token path, forced)', () => {
  testStore(
    'mysql forced-mysql8',
    () =>
      new MysqlStore({
        url: URL,
        tablePrefix: PREFIX,
        [FORCE_FLAVOUR]: 'mysql',
      } as MysqlStoreOptions),
    { test: it, describe },
  )
})

describe('describeServer', () => {
  it.each([
    ['8.0.36', 'mysql', false],
    ['8.4.0-commercial', 'mysql', false],
    ['10.11.6-MariaDB-0+deb12u1', 'mariadb', true],
    ['10.5.0-MariaDB', 'mariadb', true],
    ['10.4.32-MariaDB', 'mariadb', false],
    ['11.4.2-MariaDB', 'mariadb', true],
    ['5.5.5-10.11.6-MariaDB', 'mariadb', true],
  ])('reads %s as %s (RETURNING: %s)', (version, flavour, returning) => {
    expect(describeServer(version)).toEqual({ flavour, version, returning })
  })

  it('lets a forced flavour win', () => {
    expect(describeServer('10.11.6-MariaDB', 'mysql').returning).toBe(false)
  })
})

describe('MysqlStore options', () => {
  it.each([
    ['neither url nor pool', {}],
    ['both url and pool', { url: URL, pool: {} }],
    ['a pool that is not a mysql2 pool', { pool: { query: () => 1 } }],
    ['another scheme', { url: 'postgres://root@127.0.0.1/test' }],
    ['a URL without a database', { url: 'mysql://root@127.0.0.1:3306' }],
    ['a URL without a host', { url: 'mysql:///test' }],
    ['a malformed URL', { url: 'mysql://root@[::1/test' }],
    ['a tablePrefix that is not an identifier', { url: URL, tablePrefix: 'a-b' }],
    ['a tablePrefix with a backtick', { url: URL, tablePrefix: 'a`b' }],
    ['a tablePrefix too long for MySQL names', { url: URL, tablePrefix: 'p'.repeat(49) }],
    ['a malformed connectTimeout', { url: URL, connectTimeout: 'soon' }],
    ['a zero queryTimeout', { url: URL, queryTimeout: 0 }],
    ['a migrate that is not a boolean', { url: URL, migrate: 'yes' }],
    ['an unknown store parameter value', { url: `${URL}?migrate=maybe` }],
    ['host given as a parameter', { url: `${URL}?host=example.com` }],
  ])('rejects %s with InvalidConfigError', (_label, options) => {
    expect(() => new MysqlStore(options as never)).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_INVALID_CONFIG' }),
    )
  })

  it('never repeats the URL (it may carry a password) in a configuration error', () => {
    let message = ''
    try {
      new MysqlStore({ url: 'mysql://admin:hunter2@db.internal:3306/app?migrate=perhaps' })
    } catch (error) {
      message = String(error)
    }
    expect(message).toContain('migrate')
    expect(message).not.toContain('hunter2')
  })

  it('does not connect in the constructor', async () => {
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      const made = new MysqlStore({ url: `mysql://root@${HOST}:${await closedPort()}/test` })
      await new Promise((resolve) => setTimeout(resolve, 100))
      await made.close()
      expect(unhandled).not.toHaveBeenCalled()
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })

  it('throws MissingDependencyError when mysql2 is not installed', async () => {
    vi.resetModules()
    vi.doMock('node:module', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:module')>()),
      createRequire: () => () => {
        throw Object.assign(new Error("Cannot find module 'mysql2/promise'"), {
          code: 'MODULE_NOT_FOUND',
        })
      },
    }))
    try {
      const { MysqlStore: Unloadable } = await import('./mysql.js')
      expect(() => new Unloadable({ url: URL })).toThrow(
        expect.objectContaining({ code: 'SESSIONKIT_MISSING_DEPENDENCY', packageName: 'mysql2' }),
      )
    } finally {
      vi.doUnmock('node:module')
      vi.resetModules()
    }
  })
})

describe('mysqlSchemaSql', () => {
  it('gives the meta table, the migrations and the version row, for the prefix asked', () => {
    const text = mysqlSchemaSql({ tablePrefix: 'app_' })
    expect(text).toContain('CREATE TABLE IF NOT EXISTS `app_meta`')
    expect(text).toContain('CREATE TABLE IF NOT EXISTS `app_sessions`')
    expect(text).toContain('CREATE TABLE IF NOT EXISTS `app_tokens`')
    expect(text).toContain(
      `REPLACE INTO \`app_meta\` (\`key\`, \`value\`) VALUES ('schema_version', '${MYSQL_SCHEMA_VERSION}')`,
    )
    expect(text).toBe(`${mysqlSchemaStatements({ tablePrefix: 'app_' }).join(';\n\n')};\n`)
    expect(mysqlSchemaSql()).toContain('`sessionkit_sessions`')
    expect(() => mysqlSchemaSql({ tablePrefix: 'x; DROP' })).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_INVALID_CONFIG' }),
    )
  })
})

describeWithService(gate, 'MysqlStore schema', () => {
  it('creates the tables on the first operation and records the version', async () => {
    const prefix = freshPrefix()
    const made = store({ tablePrefix: prefix })
    expect(await tableNames(prefix)).toEqual([])
    await made.get(hashId(generateId()), Date.now())
    expect(await tableNames(prefix)).toEqual([
      `${prefix}meta`,
      `${prefix}sessions`,
      `${prefix}tokens`,
    ])
    expect(await schemaVersion(prefix)).toBe(String(MYSQL_SCHEMA_VERSION))

    const columns = await sql<{
      table: string
      name: string
      charset: string | null
      collation: string | null
      type: string
    }>(
      `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, CHARACTER_SET_NAME AS charset,
         COLLATION_NAME AS collation, DATA_TYPE AS type
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)`,
      [`${prefix}sessions`, `${prefix}tokens`],
    )
    const column = (table: string, name: string) =>
      columns.find((c) => c.table === `${prefix}${table}` && c.name === name)
    for (const table of ['sessions', 'tokens']) {
      expect(column(table, 'key')).toMatchObject({ charset: 'ascii', collation: 'ascii_bin' })
      expect(column(table, 'expires_at')?.type).toBe('bigint')
    }
    expect(column('sessions', 'user_id')).toMatchObject({
      collation: 'utf8mb4_bin',
      type: 'varchar',
    })
    expect(column('sessions', 'data')?.type).toMatch(/^(json|longtext)$/)

    const indexes = await sql<{ table: string; name: string; column: string }>(
      `SELECT TABLE_NAME AS \`table\`, INDEX_NAME AS name, COLUMN_NAME AS \`column\`
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)`,
      [`${prefix}sessions`, `${prefix}tokens`],
    )
    const indexed = indexes.map((i) => `${i.table.slice(prefix.length)}.${i.column}`)
    expect(indexed).toEqual(
      expect.arrayContaining([
        'sessions.key',
        'sessions.user_id',
        'sessions.expires_at',
        'tokens.key',
        'tokens.expires_at',
      ]),
    )
    const engines = await sql<{ engine: string }>(
      'SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?',
      [`${prefix.replaceAll('_', '\\_')}%`],
    )
    expect(engines.map((e) => e.engine)).toEqual(['InnoDB', 'InnoDB', 'InnoDB'])
  })

  it('does not migrate again when the schema is current', async () => {
    const prefix = freshPrefix()
    await store({ tablePrefix: prefix }).get(hashId(generateId()), Date.now())
    const log: string[] = []
    const again = new MysqlStore({ pool: recordingPool(pool(), log), tablePrefix: prefix })
    const now = Date.now()
    const key = hashId(generateId())
    await again.set(key, record(now))
    expect(await again.get(key, now)).toEqual(record(now))
    await again.close()
    expect(log.length).toBeGreaterThan(0)
    expect(
      log.filter((text) => /CREATE|ALTER|GET_LOCK|REPLACE INTO `[^`]*meta`/.test(text)),
    ).toEqual([])
  })

  it('migrates once when several instances start together', async () => {
    const prefix = freshPrefix()
    const log: string[] = []
    const instances = Array.from(
      { length: 6 },
      () => new MysqlStore({ pool: recordingPool(pool(), log), tablePrefix: prefix }),
    )
    const now = Date.now()
    const key = hashId(generateId())
    await Promise.all(instances.map((instance) => instance.get(key, now)))
    await instances[0]?.set(key, record(now))
    for (const instance of instances) expect(await instance.get(key, now)).not.toBeNull()
    await Promise.all(instances.map((instance) => instance.close()))
    const creates = log.filter((text) => text.startsWith('CREATE TABLE'))
    // The meta table, sessions and tokens: once each, whoever got the lock first.
    expect(creates).toHaveLength(3)
    expect(log.filter((text) => text.includes('GET_LOCK')).length).toBeGreaterThanOrEqual(1)
    expect(await schemaVersion(prefix)).toBe(String(MYSQL_SCHEMA_VERSION))
  })

  it('with migrate: false, refuses a missing schema and works once the exported SQL is applied', async () => {
    const prefix = freshPrefix()
    const made = store({ tablePrefix: prefix, migrate: false })
    const failure = await made
      .get(hashId(generateId()), Date.now())
      .catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
    expect(String(failure)).toContain('mysqlSchemaSql')
    expect(await tableNames(prefix)).toEqual([])

    // As a migration tool would run it: the whole script, twice (it is idempotent).
    await sql(mysqlSchemaSql({ tablePrefix: prefix }))
    await sql(mysqlSchemaSql({ tablePrefix: prefix }))
    const now = Date.now()
    const key = hashId(generateId())
    await made.set(key, record(now))
    expect(await made.get(key, now)).toEqual(record(now))
    expect(await schemaVersion(prefix)).toBe(String(MYSQL_SCHEMA_VERSION))
  })

  it('accepts the statements one by one, as tools that run one statement at a time do', async () => {
    const prefix = freshPrefix()
    for (const statement of mysqlSchemaStatements({ tablePrefix: prefix })) await sql(statement)
    const made = store({ tablePrefix: prefix, migrate: false })
    const now = Date.now()
    const key = hashId(generateId())
    await made.set(key, record(now))
    expect(await made.get(key, now)).not.toBeNull()
  })

  it('refuses a schema migrated by a newer sessionkit', async () => {
    const prefix = freshPrefix()
    await store({ tablePrefix: prefix }).get(hashId(generateId()), Date.now())
    await sql(`UPDATE \`${prefix}meta\` SET \`value\` = ? WHERE \`key\` = 'schema_version'`, [
      String(MYSQL_SCHEMA_VERSION + 1),
    ])
    await expect(
      store({ tablePrefix: prefix }).get(hashId(generateId()), Date.now()),
    ).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_ERROR',
    })
  })

  it('keeps stores with different prefixes apart in one database', async () => {
    const a = store({ tablePrefix: freshPrefix() })
    const b = store({ tablePrefix: freshPrefix() })
    const now = Date.now()
    const key = hashId(generateId())
    await a.set(key, record(now))
    expect(await a.get(key, now)).not.toBeNull()
    expect(await b.get(key, now)).toBeNull()
  })
})

describeWithService(gate, 'MysqlStore on MariaDB', () => {
  it('consumes tokens with DELETE … RETURNING on MariaDB, and with a locking transaction on the MySQL path', async () => {
    const now = Date.now()
    const paths: Record<string, string[]> = {}
    for (const flavour of ['mariadb', 'mysql'] as const) {
      const log: string[] = []
      const options = { pool: recordingPool(pool(), log), tablePrefix: PREFIX }
      const made = new MysqlStore(
        flavour === 'mysql'
          ? ({ ...options, [FORCE_FLAVOUR]: 'mysql' } as MysqlStoreOptions)
          : options,
      )
      const key = hashId(generateId())
      await made.putToken(key, { value: { flavour }, expiresAt: now + 60_000 })
      log.length = 0
      expect(await made.consumeToken(key, now)).toEqual({ flavour })
      expect(await made.consumeToken(key, now)).toBeNull()
      paths[flavour] = log
      await made.close()
    }
    expect(paths.mariadb?.some((text) => text.includes('RETURNING'))).toBe(true)
    expect(paths.mariadb?.some((text) => text.includes('FOR UPDATE'))).toBe(false)
    expect(paths.mysql?.some((text) => text.includes('RETURNING'))).toBe(false)
    expect(paths.mysql?.some((text) => text.includes('FOR UPDATE'))).toBe(true)
    expect(paths.mysql).toContain('START TRANSACTION')
  })

  it.each([
    ['MariaDB', {}],
    ['MySQL 8 (forced)', { [FORCE_FLAVOUR]: 'mysql' }],
  ])(
    'gives each token to exactly one of many concurrent consumers on a warm pool (%s)',
    async (_label, extra) => {
      const made = store({ ...extra, url: `${URL}?connectionLimit=10` })
      const now = Date.now()
      // Open every connection first, so the consumers really run side by side.
      await Promise.all(Array.from({ length: 20 }, () => made.get(hashId(generateId()), now)))
      for (let round = 0; round < 10; round++) {
        const key = hashId(generateId())
        await made.putToken(key, { value: round, expiresAt: now + 60_000 })
        const results = await Promise.all(
          Array.from({ length: 10 }, () => made.consumeToken(key, now)),
        )
        expect(results.filter((value) => value !== null)).toEqual([round])
      }
    },
  )

  it('touch reports a live record even when nothing changes, with or without CLIENT_FOUND_ROWS', async () => {
    const now = Date.now()
    for (const made of [
      store(),
      new MysqlStore({ pool: pool({ flags: ['-FOUND_ROWS'] }), tablePrefix: PREFIX }),
    ]) {
      const key = hashId(generateId())
      await made.set(key, record(now))
      const same = { lastSeenAt: now, expiresAt: now + 3_600_000 }
      expect(await made.touch(key, same, now)).toBe(true)
      expect(await made.touch(key, same, now)).toBe(true)
      expect(await made.touch(hashId(generateId()), same, now)).toBe(false)
      await made.close()
    }
  })

  it('reads a row whose data is not a JSON object as missing', async () => {
    const made = store()
    const now = Date.now()
    const key = hashId(generateId())
    await made.set(key, record(now))
    await sql(`UPDATE \`${PREFIX}sessions\` SET \`data\` = '[1, 2]' WHERE \`key\` = ?`, [key])
    expect(await made.get(key, now)).toBeNull()
    const patch = {
      set: { a: 1 },
      remove: [],
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 1000,
    }
    expect(await made.patch(key, patch, now)).toBe(false)
  })

  it('refuses metadata MySQL would coerce or cut, and stores nothing', async () => {
    const made = store()
    const now = Date.now()
    for (const bad of [
      { userId: 42 as unknown as string },
      { userId: 'u'.repeat(256) },
      { ip: '🎉'.repeat(256) },
    ]) {
      const key = hashId(generateId())
      await expect(made.set(key, record(now, bad))).rejects.toMatchObject({
        code: 'SESSIONKIT_STORE_ERROR',
      })
      expect(await made.get(key, now)).toBeNull()
    }
    const key = hashId(generateId())
    await made.set(key, record(now, { userId: '🎉'.repeat(255), userAgent: 'A'.repeat(4000) }))
    expect((await made.get(key, now))?.userId).toBe('🎉'.repeat(255))
    const patch = {
      set: {},
      remove: [],
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 1000,
      meta: { tenantId: 't'.repeat(300) },
    }
    await expect(made.patch(key, patch, now)).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_ERROR',
    })
    expect((await made.get(key, now))?.tenantId).toBeNull()
  })

  it('cleans up in batches, expired tokens included', async () => {
    const prefix = freshPrefix()
    const made = store({ tablePrefix: prefix })
    const now = Date.now()
    const expired = Array.from({ length: 2500 }, () => hashId(generateId()))
    for (let i = 0; i < expired.length; i += 100) {
      await Promise.all(
        expired
          .slice(i, i + 100)
          .map((key) => made.set(key, record(now - 10_000, { expiresAt: now - 1 }))),
      )
    }
    const live = hashId(generateId())
    await made.set(live, record(now))
    const liveToken = hashId(generateId())
    await made.putToken(liveToken, { value: 1, expiresAt: now + 60_000 })
    const tokens = Array.from({ length: 1200 }, () => hashId(generateId()))
    for (let i = 0; i < tokens.length; i += 100) {
      await Promise.all(
        tokens.slice(i, i + 100).map((key, j) => made.putToken(key, { value: j, expiresAt: now })),
      )
    }
    expect(await made.cleanup(now)).toBe(2500)
    expect(await sql(`SELECT \`key\` FROM \`${prefix}sessions\``)).toHaveLength(1)
    expect(await sql(`SELECT \`key\` FROM \`${prefix}tokens\``)).toHaveLength(1)
    expect(await made.get(live, now)).not.toBeNull()
    expect(await made.consumeToken(liveToken, now)).toBe(1)
    expect(await made.cleanup(now)).toBe(0)
  }, 60_000)

  it('iterates more than one page and leaves the store usable in between', async () => {
    const prefix = freshPrefix()
    const made = store({ tablePrefix: prefix })
    const now = Date.now()
    const keys = new Set(Array.from({ length: 1234 }, () => hashId(generateId())))
    const list = [...keys]
    for (let i = 0; i < list.length; i += 100) {
      await Promise.all(
        list.slice(i, i + 100).map((key, j) => made.set(key, record(now, { data: { j } }))),
      )
    }
    await made.set(hashId(generateId()), record(now - 10, { expiresAt: now }))
    const seen = new Set<string>()
    for await (const { key } of made.entries(now)) {
      seen.add(key)
      if (seen.size % 400 === 0) expect(await made.get(key, now)).not.toBeNull()
    }
    expect(seen).toEqual(keys)
  }, 60_000)
})

describeWithService(gate, 'MysqlStore through the SessionManager', () => {
  function manager(made: Store = store()) {
    return new SessionManager({
      store: made,
      secrets: [randomBytes(32).toString('base64url')],
      cookie: { secure: false },
    })
  }

  function cookiePair(setCookie: string[]): string {
    const parsed = parseSetCookie(setCookie.at(-1) ?? '')
    return `${parsed.name}=${parsed.value}`
  }

  it('keeps all 200 keys after 200 concurrent load / set / commit cycles on one session', async () => {
    const sessions = manager()
    try {
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
    } finally {
      await sessions.close()
    }
  }, 60_000)

  it('serves the auth-storage API', async () => {
    const sessions = manager()
    try {
      const userId = `user-${generateId()}`
      const a = await sessions.createSessionForUser(userId, { userAgent: 'phone', ip: '192.0.2.9' })
      const b = await sessions.createSessionForUser(userId)
      const other = await sessions.createSessionForUser(`${userId}-other`)
      expect(await sessions.getUserIdFromSessionId(a)).toBe(userId)
      expect(await sessions.getUserIdFromSessionId(generateId())).toBeNull()
      await sessions.deleteSession(a)
      expect(await sessions.getUserIdFromSessionId(a)).toBeNull()
      expect(await sessions.getUserIdFromSessionId(b)).toBe(userId)
      expect(await sessions.deleteSessionsByUserId(userId)).toBe(1)
      expect(await sessions.getUserIdFromSessionId(b)).toBeNull()
      expect(await sessions.getUserIdFromSessionId(other)).toBe(`${userId}-other`)
    } finally {
      await sessions.close()
    }
  })

  it('lists and revokes a user’s sessions (devices)', async () => {
    const sessions = manager()
    try {
      const userId = `user-${generateId()}`
      const devices = []
      for (const userAgent of ['laptop', 'phone', 'tablet']) {
        const session = await sessions.load({ userAgent, ip: '192.0.2.1' })
        await session.login(userId)
        await sessions.commit(session)
        devices.push(session)
      }
      const current = devices[0]
      if (current === undefined) throw new Error('no session')
      const listed = await sessions.listUserSessions(userId, { current })
      expect(listed.map((d) => d.userAgent).sort()).toEqual(['laptop', 'phone', 'tablet'])
      expect(listed.filter((d) => d.current)).toHaveLength(1)
      expect(await sessions.revokeUserSessions(userId, { except: current })).toBe(2)
      expect((await sessions.listUserSessions(userId)).map((d) => d.userAgent)).toEqual(['laptop'])
      expect(await sessions.revokeUserSessions(userId)).toBe(1)
      expect(await sessions.listUserSessions(userId)).toEqual([])
    } finally {
      await sessions.close()
    }
  })

  it('keeps no raw session ID, cookie value or raw token in any table', async () => {
    const prefix = freshPrefix()
    const made = store({ tablePrefix: prefix })
    const sessions = manager(made)
    const secrets: string[] = []
    try {
      for (let i = 0; i < 20; i++) {
        const session = await sessions.load({ userAgent: 'test', ip: '192.0.2.7' })
        session.set('i', i)
        if (i % 3 === 0) await session.login(`user-${i % 2}`)
        const cookie = cookiePair(await sessions.commit(session))
        secrets.push(session.id, cookie.slice(cookie.indexOf('=') + 1))
      }
      secrets.push(await sessions.createSessionForUser('user-auth'))
      const now = Date.now()
      for (let i = 0; i < 5; i++) {
        const token = generateId()
        secrets.push(token)
        await made.putToken(hashId(token), { value: { purpose: 'oauth' }, expiresAt: now + 60_000 })
      }
      const dump = JSON.stringify([
        await sql(`SELECT * FROM \`${prefix}sessions\``),
        await sql(`SELECT * FROM \`${prefix}tokens\``),
        await sql(`SELECT * FROM \`${prefix}meta\``),
      ])
      expect(dump).toContain(hashId(secrets[0] ?? ''))
      for (const secret of secrets) expect(dump.includes(secret)).toBe(false)
    } finally {
      await sessions.close()
    }
  })
})

describeWithService(gate, 'openStore with mysql: and mariadb: URLs', () => {
  it('builds a MysqlStore and takes store options from the query', async () => {
    for (const scheme of ['mysql', 'mariadb', 'MySQL']) {
      const prefix = freshPrefix()
      const made = openStore(
        `${scheme}://root@${HOST}:${PORT}/test?tablePrefix=${prefix}&connectTimeout=2s&queryTimeout=4000&connectionLimit=2`,
      )
      stores.push(made)
      expect(made).toBeInstanceOf(MysqlStore)
      const now = Date.now()
      const key = hashId(generateId())
      await made.set(key, record(now))
      expect(await made.get(key, now)).toEqual(record(now))
      expect(await tableNames(prefix)).toHaveLength(3)
    }
  })

  it('honours migrate=false from the query', async () => {
    const prefix = freshPrefix()
    const made = openStore(`mysql://root@${HOST}:${PORT}/test?tablePrefix=${prefix}&migrate=false`)
    stores.push(made)
    await expect(made.get(hashId(generateId()), Date.now())).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_ERROR',
    })
    expect(await tableNames(prefix)).toEqual([])
  })

  it.each([
    ['a malformed duration', `${URL}?queryTimeout=soon`],
    ['a malformed migrate', `${URL}?migrate=sometimes`],
    ['a URL without a database', `mysql://root@${HOST}:${PORT}`],
    ['a malformed tablePrefix', `${URL}?tablePrefix=drop%20table`],
  ])('rejects %s with InvalidConfigError', (_label, url) => {
    expect(() => openStore(url)).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_INVALID_CONFIG' }),
    )
  })
})

describeWithService(gate, 'MysqlStore when the server fails', () => {
  const BOUND_MS = 5000
  const proxies: TcpProxy[] = []
  const timings: string[] = []

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()))
    if (timings.length > 0) console.info(`mysql failure timings: ${timings.join(', ')}`)
  })

  async function viaProxy(options: Partial<MysqlStoreOptions> = {}) {
    const proxy = await startTcpProxy(PORT, HOST)
    proxies.push(proxy)
    const made = store({ url: `mysql://root@${HOST}:${proxy.port}/test`, ...options })
    return { proxy, made }
  }

  /** Collects unhandled rejections and uncaught exceptions while `body` runs. */
  async function watchingProcess(body: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = []
    const collect = (error: unknown) => seen.push(error)
    process.on('unhandledRejection', collect)
    process.on('uncaughtException', collect)
    try {
      await body()
      // Late rejections of abandoned driver calls would arrive now.
      await new Promise((resolve) => setTimeout(resolve, 200))
    } finally {
      process.off('unhandledRejection', collect)
      process.off('uncaughtException', collect)
    }
    return seen
  }

  async function expectUnavailableWithinBound(label: string, operation: Promise<unknown>) {
    const { error, ms } = await timedFailure(operation)
    expect(error, label).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE', store: 'mysql' })
    expect(ms, label).toBeLessThan(BOUND_MS)
    timings.push(`${label} ${Math.round(ms)} ms`)
    return ms
  }

  /** Retries `operation` until it succeeds; returns how long that took. */
  async function recoveryTime(operation: () => Promise<unknown>): Promise<number> {
    const started = performance.now()
    for (;;) {
      try {
        await operation()
        return performance.now() - started
      } catch (error) {
        expect(error).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE' })
        if (performance.now() - started > BOUND_MS) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }

  it('fails fast with StoreUnavailableError when the server goes away, and recovers by itself', async () => {
    const { proxy, made } = await viaProxy()
    const now = Date.now()
    const key = hashId(generateId())
    const userId = `user-${generateId()}`
    const seen = await watchingProcess(async () => {
      await made.set(key, record(now, { userId }))
      await made.putToken(key, { value: 1, expiresAt: now + 60_000 })
      await proxy.cut()
      const patch = {
        set: { a: 1 },
        remove: [],
        updatedAt: now,
        lastSeenAt: now,
        expiresAt: now + 60_000,
      }
      const results = await Promise.all([
        expectUnavailableWithinBound('cut get', made.get(key, now)),
        expectUnavailableWithinBound('cut set', made.set(hashId(generateId()), record(now))),
        expectUnavailableWithinBound('cut patch', made.patch(key, patch, now)),
        expectUnavailableWithinBound('cut consumeToken', made.consumeToken(key, now)),
        expectUnavailableWithinBound('cut listByUser', made.listByUser(userId, now)),
        expectUnavailableWithinBound('cut cleanup', made.cleanup(now)),
      ])
      expect(Math.max(...results)).toBeLessThan(BOUND_MS)

      await proxy.restore()
      const recovered = await recoveryTime(() => made.get(key, now))
      timings.push(`recovery after restore ${Math.round(recovered)} ms`)
      expect(recovered).toBeLessThan(BOUND_MS)
      expect((await made.get(key, now))?.userId).toBe(userId)
      expect(await made.patch(key, patch, now)).toBe(true)
      expect(await made.consumeToken(key, now)).toBe(1)
    })
    expect(seen).toEqual([])
  }, 30_000)

  it('fails within the bound when the server accepts connections but never answers', async () => {
    const { proxy, made } = await viaProxy()
    const now = Date.now()
    const key = hashId(generateId())
    const seen = await watchingProcess(async () => {
      await made.set(key, record(now))
      // Drop the open connections, then accept new ones without forwarding a byte.
      await proxy.cut()
      proxy.blackhole(true)
      await proxy.restore()
      // Let the pool notice its dropped connections, so both calls need a new one.
      await new Promise((resolve) => setTimeout(resolve, 200))
      await Promise.all([
        expectUnavailableWithinBound('blackhole get', made.get(key, now)),
        expectUnavailableWithinBound('blackhole set', made.set(hashId(generateId()), record(now))),
      ])
      proxy.blackhole(false)
      const recovered = await recoveryTime(() => made.get(key, now))
      timings.push(`recovery after blackhole ${Math.round(recovered)} ms`)
      expect(await made.get(key, now)).not.toBeNull()
    })
    expect(seen).toEqual([])
  }, 30_000)

  it('survives the server killing its idle connections, and carries on', async () => {
    const own = pool()
    const threads: number[] = []
    own.on('connection', (connection) => threads.push(connection.threadId))
    const made = new MysqlStore({ pool: own, tablePrefix: PREFIX })
    const now = Date.now()
    const key = hashId(generateId())
    await made.set(key, record(now))
    const seen = await watchingProcess(async () => {
      await Promise.all(Array.from({ length: 8 }, () => made.get(key, now)))
      expect(threads.length).toBeGreaterThan(1)
      for (const thread of threads) await sql('KILL CONNECTION ?', [thread])
      await new Promise((resolve) => setTimeout(resolve, 200))
      const results = await Promise.all(Array.from({ length: 8 }, () => made.get(key, now)))
      for (const result of results) expect(result).not.toBeNull()
    })
    expect(seen).toEqual([])
    await made.close()
  })

  it('recovers when the server was down before the first operation (migration is retried)', async () => {
    const prefix = freshPrefix()
    const { proxy, made } = await viaProxy({ tablePrefix: prefix })
    await proxy.cut()
    const seen = await watchingProcess(async () => {
      await expectUnavailableWithinBound(
        'down at start',
        made.get(hashId(generateId()), Date.now()),
      )
      await proxy.restore()
      const now = Date.now()
      const key = hashId(generateId())
      await made.set(key, record(now))
      expect(await made.get(key, now)).not.toBeNull()
      expect(await schemaVersion(prefix)).toBe(String(MYSQL_SCHEMA_VERSION))
    })
    expect(seen).toEqual([])
  }, 30_000)

  it('bounds a statement that waits (a row lock held elsewhere) by queryTimeout, then carries on', async () => {
    const made = store({ queryTimeout: '500ms' })
    const now = Date.now()
    const key = hashId(generateId())
    await made.set(key, record(now))
    const holder = await (admin as Pool).getConnection()
    try {
      await holder.query('START TRANSACTION')
      await holder.query(`SELECT * FROM \`${PREFIX}sessions\` WHERE \`key\` = ? FOR UPDATE`, [key])
      const patch = {
        set: { a: 1 },
        remove: [],
        updatedAt: now,
        lastSeenAt: now,
        expiresAt: now + 60_000,
      }
      const { error, ms } = await timedFailure(made.patch(key, patch, now))
      expect(error).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE' })
      expect(ms).toBeGreaterThanOrEqual(450)
      expect(ms).toBeLessThan(2000)
      timings.push(`row lock with queryTimeout 500ms ${Math.round(ms)} ms`)
      await holder.query('ROLLBACK')
      expect(await made.patch(key, patch, now)).toBe(true)
      expect((await made.get(key, now))?.data.a).toBe(1)
    } finally {
      holder.release()
    }
  })

  it('gives StoreUnavailableError quickly for a port nothing listens on, without the password', async () => {
    const port = await closedPort()
    const made = store({ url: `mysql://root:hunter2@${HOST}:${port}/test` })
    const seen = await watchingProcess(async () => {
      const { error, ms } = await timedFailure(made.get(hashId(generateId()), Date.now()))
      expect(error).toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE' })
      expect(ms).toBeLessThan(1000)
      timings.push(`refused port ${Math.round(ms)} ms`)
      expect(inspect(error, { depth: 6 })).not.toContain('hunter2')
      const closing = performance.now()
      await made.close()
      expect(performance.now() - closing).toBeLessThan(BOUND_MS)
    })
    expect(seen).toEqual([])
  })

  it('closes promptly while the server is unreachable', async () => {
    const { proxy, made } = await viaProxy()
    await made.get(hashId(generateId()), Date.now())
    await proxy.cut()
    const started = performance.now()
    await made.close()
    expect(performance.now() - started).toBeLessThan(BOUND_MS)
    await expect(made.get(hashId(generateId()), Date.now())).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_UNAVAILABLE',
    })
  })
})
