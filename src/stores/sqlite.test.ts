import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { generateId, hashId } from '../core/ids.js'
import type { SessionRecord } from '../core/store.js'
import { testStore } from '../testing/index.js'
import { SQLITE_SCHEMA_VERSION, SqliteStore } from './sqlite.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'sessionkit-sqlite-'))
let counter = 0

/** A fresh database path in the test's temp dir (its parent does not exist yet). */
function freshPath(): string {
  counter += 1
  return join(root, `db-${counter}`, 'sessions.db')
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
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

describe('SqliteStore conformance (file)', () => {
  testStore('sqlite', () => new SqliteStore({ path: freshPath() }), { test: it, describe })
})

describe('SqliteStore conformance (:memory:)', () => {
  testStore('sqlite :memory:', () => new SqliteStore({ path: ':memory:' }), { test: it, describe })
})

describe('SqliteStore options', () => {
  it('creates the missing parent directory of path', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    expect(existsSync(path)).toBe(true)
    await store.close()
  })

  it.each([
    ['neither path nor database', {}],
    ['both path and database', { path: ':memory:', database: new Database(':memory:') }],
    ['an empty path', { path: ' ' }],
    ['a tablePrefix that is not an identifier', { path: ':memory:', tablePrefix: 'a-b' }],
    ['a tablePrefix with a quote', { path: ':memory:', tablePrefix: 'a"b' }],
    ['an unknown synchronous level', { path: ':memory:', synchronous: 'SOMETIMES' }],
    ['a malformed busyTimeout', { path: ':memory:', busyTimeout: 'soon' }],
  ])('rejects %s with InvalidConfigError', (_label, options) => {
    expect(() => new SqliteStore(options as never)).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_INVALID_CONFIG' }),
    )
  })

  it('runs a file database in WAL mode with the default synchronous and busy timeout', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    const db = new Database(path)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
    await store.close()
  })

  it('applies synchronous and busyTimeout to its own connection', async () => {
    const db = new Database(':memory:')
    const store = new SqliteStore({ database: db, synchronous: 'FULL', busyTimeout: '250ms' })
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(250)
    await store.close()
    db.close()
  })

  it('leaves a database it was given open on close, with its journal mode untouched', async () => {
    const path = freshPath()
    const store0 = new SqliteStore({ path })
    await store0.close()
    const db = new Database(path)
    db.pragma('journal_mode = DELETE')
    const store = new SqliteStore({ database: db })
    const now = Date.now()
    const key = hashId(generateId())
    await store.set(key, record(now))
    await store.close()
    await store.close()
    expect(db.open).toBe(true)
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete')
    const count = db.prepare('SELECT count(*) FROM sessionkit_sessions').pluck().get()
    expect(count).toBe(1)
    db.close()
  })

  it('keeps stores with different table prefixes apart in one database', async () => {
    const db = new Database(':memory:')
    const a = new SqliteStore({ database: db, tablePrefix: 'app_a_' })
    const b = new SqliteStore({ database: db, tablePrefix: 'app_b_' })
    const now = Date.now()
    const key = hashId(generateId())
    await a.set(key, record(now))
    expect(await a.get(key, now)).not.toBeNull()
    expect(await b.get(key, now)).toBeNull()
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all()
    expect(tables).toEqual([
      'app_a_meta',
      'app_a_sessions',
      'app_a_tokens',
      'app_b_meta',
      'app_b_sessions',
      'app_b_tokens',
    ])
    await a.close()
    await b.close()
    db.close()
  })

  it('supports await using', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    await store[Symbol.asyncDispose]()
    await expect(store.get(hashId(generateId()), Date.now())).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_UNAVAILABLE',
    })
  })
})

describe('SqliteStore schema', () => {
  it('records the schema version in the meta table', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    await store.close()
    const db = new Database(path)
    const version = db
      .prepare("SELECT value FROM sessionkit_meta WHERE key = 'schema_version'")
      .pluck()
      .get()
    expect(version).toBe(String(SQLITE_SCHEMA_VERSION))
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
      .pluck()
      .all()
    expect(indexes).toEqual(
      expect.arrayContaining([
        'sessionkit_sessions_user_id',
        'sessionkit_sessions_expires_at',
        'sessionkit_tokens_expires_at',
      ]),
    )
    db.close()
  })

  it('does not migrate again when an existing database is re-opened', async () => {
    const path = freshPath()
    const now = Date.now()
    const key = hashId(generateId())
    const first = new SqliteStore({ path })
    await first.set(key, record(now))
    await first.close()

    const db = new Database(path)
    // PRAGMA schema_version counts every DDL statement: re-opening must not move it.
    const before = db.pragma('schema_version', { simple: true })
    const again = new SqliteStore({ path })
    expect(db.pragma('schema_version', { simple: true })).toBe(before)
    expect(await again.get(key, now)).toEqual(record(now))
    await again.close()
    db.close()
  })

  it('refuses a database migrated by a newer sessionkit', async () => {
    const path = freshPath()
    await new SqliteStore({ path }).close()
    const db = new Database(path)
    db.prepare("UPDATE sessionkit_meta SET value = ? WHERE key = 'schema_version'").run(
      String(SQLITE_SCHEMA_VERSION + 1),
    )
    db.close()
    expect(() => new SqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_STORE_ERROR' }),
    )
  })

  it('migrates once when several stores open a fresh file at the same time', async () => {
    const path = freshPath()
    const stores = Array.from({ length: 4 }, () => new SqliteStore({ path }))
    const now = Date.now()
    const key = hashId(generateId())
    await stores[0]?.set(key, record(now))
    for (const store of stores) expect(await store.get(key, now)).not.toBeNull()
    await Promise.all(stores.map((store) => store.close()))
  })
})

describe('SqliteStore at rest', () => {
  function files(path: string): Buffer[] {
    return [path, `${path}-wal`, `${path}-shm`]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file))
  }

  function assertNoRawIds(path: string, ids: string[]): void {
    const contents = files(path)
    for (const id of ids) {
      for (const bytes of contents) {
        expect(bytes.includes(Buffer.from(id, 'utf8'))).toBe(false)
        expect(bytes.includes(Buffer.from(id, 'base64url'))).toBe(false)
      }
    }
  }

  it('never writes a raw session ID or token to the .db, -wal or -shm file', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    const now = Date.now()
    const ids = Array.from({ length: 20 }, () => generateId())
    const tokens = Array.from({ length: 5 }, () => generateId())
    for (const [i, id] of ids.entries()) {
      await store.set(hashId(id), record(now, { userId: `user-${i % 3}`, data: { n: i } }))
    }
    const patched = ids[0] ?? ''
    await store.patch(
      hashId(patched),
      { set: { more: 1 }, remove: [], updatedAt: now, lastSeenAt: now, expiresAt: now + 60_000 },
      now,
    )
    for (const token of tokens) {
      await store.putToken(hashId(token), { value: { purpose: 'oauth' }, expiresAt: now + 60_000 })
    }

    // Before a checkpoint the rows live in the WAL; the search must be able to find them.
    const wal = readFileSync(`${path}-wal`)
    expect(wal.includes(Buffer.from(hashId(patched)))).toBe(true)
    assertNoRawIds(path, [...ids, ...tokens])

    const db = new Database(path)
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
    expect(readFileSync(path).includes(Buffer.from(hashId(patched)))).toBe(true)
    assertNoRawIds(path, [...ids, ...tokens])
    await store.close()
    assertNoRawIds(path, [...ids, ...tokens])
  })
})

describe('SqliteStore failures', () => {
  it('turns a held write lock into StoreUnavailableError and recovers when it is released', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path, busyTimeout: 50 })
    const now = Date.now()
    const key = hashId(generateId())
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    const error = await store.set(key, record(now)).catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      code: 'SESSIONKIT_STORE_UNAVAILABLE',
      cause: expect.objectContaining({ code: 'SQLITE_BUSY' }),
    })
    expect(String((error as Error).message)).not.toContain(key)
    other.exec('ROLLBACK')
    other.close()
    await store.set(key, record(now))
    expect(await store.get(key, now)).not.toBeNull()
    await store.close()
  })

  it('throws StoreUnavailableError when the file cannot be opened', () => {
    const blocker = join(root, `blocker-${++counter}`)
    writeFileSync(blocker, 'not a directory')
    expect(() => new SqliteStore({ path: join(blocker, 'sessions.db') })).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_STORE_UNAVAILABLE' }),
    )
  })

  it('throws StoreError for a file that is not a database', () => {
    const path = join(root, `garbage-${++counter}.db`)
    writeFileSync(path, 'x'.repeat(4096))
    expect(() => new SqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'SESSIONKIT_STORE_ERROR' }),
    )
  })

  it('refuses metadata that is not a string instead of letting SQLite coerce it', async () => {
    const store = new SqliteStore({ path: ':memory:' })
    const now = Date.now()
    const key = hashId(generateId())
    await expect(
      store.set(key, record(now, { userId: 42 as unknown as string })),
    ).rejects.toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
    expect(await store.get(key, now)).toBeNull()
    await store.close()
  })

  it('reads a damaged row as missing', async () => {
    const db = new Database(':memory:')
    const store = new SqliteStore({ database: db })
    const now = Date.now()
    const key = hashId(generateId())
    await store.set(key, record(now))
    db.prepare('UPDATE sessionkit_sessions SET data = ? WHERE key = ?').run('{broken', key)
    expect(await store.get(key, now)).toBeNull()
    expect(
      await store.patch(
        key,
        { set: { a: 1 }, remove: [], updatedAt: now, lastSeenAt: now, expiresAt: now + 1000 },
        now,
      ),
    ).toBe(false)
    await store.close()
    db.close()
  })

  it('throws MissingDependencyError when better-sqlite3 is not installed', async () => {
    vi.resetModules()
    vi.doMock('node:module', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:module')>()),
      createRequire: () => () => {
        throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), {
          code: 'MODULE_NOT_FOUND',
        })
      },
    }))
    try {
      const { SqliteStore: Unloadable } = await import('./sqlite.js')
      expect(() => new Unloadable({ path: ':memory:' })).toThrow(
        expect.objectContaining({
          code: 'SESSIONKIT_MISSING_DEPENDENCY',
          packageName: 'better-sqlite3',
        }),
      )
    } finally {
      vi.doUnmock('node:module')
      vi.resetModules()
    }
  })
})

describe('SqliteStore bulk operations', () => {
  it('cleans up in batches, expired tokens included', async () => {
    const db = new Database(':memory:')
    const store = new SqliteStore({ database: db })
    const now = Date.now()
    for (let i = 0; i < 2500; i++) {
      await store.set(hashId(generateId()), record(now - 10_000, { expiresAt: now - 1 }))
    }
    const live = hashId(generateId())
    await store.set(live, record(now))
    const liveToken = hashId(generateId())
    await store.putToken(liveToken, { value: 1, expiresAt: now + 60_000 })
    for (let i = 0; i < 1200; i++) {
      await store.putToken(hashId(generateId()), { value: i, expiresAt: now })
    }
    expect(await store.cleanup(now)).toBe(2500)
    expect(db.prepare('SELECT count(*) FROM sessionkit_sessions').pluck().get()).toBe(1)
    expect(db.prepare('SELECT count(*) FROM sessionkit_tokens').pluck().get()).toBe(1)
    expect(await store.get(live, now)).not.toBeNull()
    expect(await store.consumeToken(liveToken, now)).toBe(1)
    expect(await store.cleanup(now)).toBe(0)
    await store.close()
    db.close()
  })

  it('iterates more than one page and leaves the connection usable meanwhile', async () => {
    const store = new SqliteStore({ path: ':memory:' })
    const now = Date.now()
    const keys = new Set<string>()
    for (let i = 0; i < 1234; i++) {
      const key = hashId(generateId())
      keys.add(key)
      await store.set(key, record(now, { data: { i } }))
    }
    await store.set(hashId(generateId()), record(now - 10, { expiresAt: now }))
    const seen = new Set<string>()
    for await (const { key } of store.entries(now)) {
      seen.add(key)
      // Another call between pages must not find the connection busy.
      expect(await store.get(key, now)).not.toBeNull()
    }
    expect(seen).toEqual(keys)
    await store.close()
  })
})

describe('SqliteStore across processes', () => {
  const tsx = ['--import', 'tsx']

  function startChild(script: string, args: string[]): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, [...tsx, join(ROOT, 'test/fixtures', script), ...args], {
      cwd: ROOT,
      stdio: 'pipe',
    })
  }

  /** Resolves with the child's stdout once `predicate` holds for it. */
  function waitForOutput(
    child: ChildProcessWithoutNullStreams,
    predicate: (stdout: string) => boolean,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      let stdout = ''
      let stderr = ''
      const check = (): void => {
        if (predicate(stdout)) resolve(stdout)
      }
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8')
        check()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8')
      })
      child.on('exit', (code, signal) => {
        check()
        reject(new Error(`child exited (${code ?? signal}) before it was done: ${stderr}`))
      })
    })
  }

  it('keeps every key when 4 processes patch one session at once', async () => {
    const path = freshPath()
    const store = new SqliteStore({ path })
    const now = Date.now()
    const key = hashId(generateId())
    await store.set(key, record(now, { data: { base: true } }))
    const workers = 4
    const count = 200
    const children = Array.from({ length: workers }, (_, worker) =>
      startChild('sqlite-patch-worker.ts', [path, key, String(worker), String(count)]),
    )
    const done = children.map((child) => waitForOutput(child, (out) => out.includes('done\n')))
    await Promise.all(
      children.map((child) => waitForOutput(child, (out) => out.startsWith('ready\n'))),
    )
    for (const child of children) child.stdin.write('go\n')
    await Promise.all(done)
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : [])))

    const after = await store.get(key, Date.now())
    expect(after).not.toBeNull()
    const expected: Record<string, unknown> = { base: true }
    for (let worker = 0; worker < workers; worker++) {
      for (let i = 0; i < count; i++) expected[`w${worker}-${i}`] = i
    }
    expect(after?.data).toEqual(expected)
    await store.close()
  }, 60_000)

  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    const path = freshPath()
    const child = startChild('sqlite-writer.ts', [path])
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    await waitForOutput(child, (out) => out.includes('\n'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    child.kill('SIGKILL')
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    expect(signal).toBe('SIGKILL')

    // Only whole lines were acknowledged; a torn last line was not.
    const acknowledged = stdout.split('\n').slice(0, -1)
    expect(acknowledged.length).toBeGreaterThan(10)

    const db = new Database(path)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
    const store = new SqliteStore({ path })
    const now = Date.now()
    const missing = []
    for (const key of acknowledged) {
      if ((await store.get(key, now)) === null) missing.push(key)
    }
    expect(missing).toEqual([])
    await store.close()
  }, 60_000)
})
