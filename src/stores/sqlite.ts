/**
 * `sessionkit/stores/sqlite`: sessions in an SQLite database through better-sqlite3, the
 * embedded default. One row per session, data as JSON text; patches are applied in a
 * `BEGIN IMMEDIATE` transaction, so writers in any number of processes never lose each
 * other's keys. better-sqlite3 is an optional peer dependency, loaded only when a store is
 * built.
 * @module
 */

import { dirname, resolve } from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { InvalidConfigError, StoreError, StoreUnavailableError } from '../core/errors.js'
import { isValidStoreKey } from '../core/ids.js'
import type {
  JsonObject,
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
  TokenRecord,
} from '../core/store.js'
import {
  assertPatch,
  assertRecord,
  assertStoreKey,
  assertTimes,
  assertToken,
} from '../core/store-guards.js'
import { type Duration, parseDuration } from '../core/time.js'
import { makeDirsSync } from './make-dirs.js'
import {
  loadBetterSqlite3,
  type SqliteDatabase,
  type SqliteDatabaseConstructor,
  toStoreError,
} from './sqlite-driver.js'
import {
  type KeyedSessionRow,
  recordToValues,
  rowToRecord,
  type SessionRow,
  type SessionValues,
  setOwn,
} from './sqlite-rows.js'
import {
  metaTableSql,
  SCHEMA_VERSION_KEY,
  SQLITE_SCHEMA_VERSION,
  sqliteMigrations,
  sqliteTables,
} from './sqlite-schema.js'

export type { SqliteDatabase } from './sqlite-driver.js'
export { SQLITE_SCHEMA_VERSION } from './sqlite-schema.js'

/** SQLite's `PRAGMA synchronous` levels. */
export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'

/** Options of {@link SqliteStore}. Give exactly one of `path` and `database`. */
export interface SqliteStoreOptions {
  /**
   * The database file, or `':memory:'` for a private in-memory database (gone on close).
   * A missing parent directory is created. A relative path is resolved against the
   * current working directory once, at construction.
   * @example './data/sessions.db'
   */
  path?: string
  /**
   * Your own better-sqlite3 connection, to keep sessions in the application's database.
   * The store creates its tables there but leaves the connection's journal mode alone, and
   * changes `synchronous` and `busy_timeout` only when those options are given. `close()`
   * does not close it: it is yours.
   */
  database?: SqliteDatabase
  /**
   * Prepended to every table and index name, so sessionkit can share a database.
   * Letters, digits and `_`, starting with a letter or `_`.
   * @default 'sessionkit_'
   */
  tablePrefix?: string
  /**
   * `PRAGMA synchronous`. In WAL mode `'NORMAL'` makes every acknowledged write survive a
   * crash or SIGKILL of the process; a power loss or OS crash may lose the last few
   * transactions (never corrupting the file). `'FULL'` adds durability against power loss
   * at the cost of an fsync per write.
   * @default 'NORMAL'
   */
  synchronous?: SqliteSynchronous
  /**
   * How long a write waits for another process's lock before failing with
   * StoreUnavailableError.
   * @default '5s'
   */
  busyTimeout?: Duration
}

const DEFAULTS = {
  tablePrefix: 'sessionkit_',
  synchronous: 'NORMAL',
  busyTimeout: '5s',
} as const satisfies Required<
  Pick<SqliteStoreOptions, 'tablePrefix' | 'synchronous' | 'busyTimeout'>
>

const SYNCHRONOUS_LEVELS: readonly SqliteSynchronous[] = ['OFF', 'NORMAL', 'FULL', 'EXTRA']
const TABLE_PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/
/** Rows per DELETE in cleanup, so a large backlog never holds the write lock for long. */
const CLEANUP_BATCH = 1000
/** Rows per page in entries(); the connection is free for other calls between pages. */
const ENTRIES_PAGE = 500
const NAME = 'sqlite'

const SESSION_COLUMNS =
  'data, user_id, tenant_id, ip, user_agent, created_at, updated_at, last_seen_at, expires_at'

interface Statements {
  get: (key: string, now: number) => SessionRow | undefined
  set: (key: string, ...values: SessionValues) => void
  update: (...args: [...SessionValues, key: string]) => void
  touch: (lastSeenAt: number, expiresAt: number, key: string, now: number) => number
  destroy: (key: string) => void
  listByUser: (userId: string, now: number) => KeyedSessionRow[]
  destroyByUser: (userId: string) => number
  destroyByUserExcept: (userId: string, exceptKey: string) => number
  cleanupSessions: (now: number) => number
  cleanupTokens: (now: number) => number
  page: (afterKey: string, now: number) => KeyedSessionRow[]
  putToken: (key: string, value: string, expiresAt: number) => void
  consumeToken: (key: string, now: number) => string | undefined
}

interface ResolvedOptions {
  tablePrefix: string
  synchronous: SqliteSynchronous | undefined
  busyTimeoutMs: number | undefined
}

function resolveOptions(options: SqliteStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'must be an object with `path` or `database`')
  }
  const { path, database, tablePrefix = DEFAULTS.tablePrefix, synchronous } = options
  if ((path === undefined) === (database === undefined)) {
    throw new InvalidConfigError('path', 'give exactly one of `path` and `database`')
  }
  if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) {
    throw new InvalidConfigError('path', "must be a file path or ':memory:'")
  }
  if (typeof tablePrefix !== 'string' || !TABLE_PREFIX_PATTERN.test(tablePrefix)) {
    throw new InvalidConfigError(
      'tablePrefix',
      'must be 1 to 48 letters, digits or underscores, not starting with a digit',
    )
  }
  if (synchronous !== undefined && !SYNCHRONOUS_LEVELS.includes(synchronous)) {
    throw new InvalidConfigError('synchronous', `must be one of ${SYNCHRONOUS_LEVELS.join(', ')}`)
  }
  // The caller's own connection keeps its settings unless an option says otherwise.
  const own = database === undefined
  const busyTimeout = options.busyTimeout ?? (own ? DEFAULTS.busyTimeout : undefined)
  const busyTimeoutMs =
    busyTimeout === undefined ? undefined : parseDuration(busyTimeout, 'busyTimeout')
  if (busyTimeoutMs !== undefined && busyTimeoutMs > 0x7fffffff) {
    throw new InvalidConfigError('busyTimeout', 'must be at most 2147483647 ms')
  }
  return {
    tablePrefix,
    synchronous: synchronous ?? (own ? DEFAULTS.synchronous : undefined),
    busyTimeoutMs,
  }
}

function openDatabase(
  Database: SqliteDatabaseConstructor,
  path: string,
  timeout: number,
): SqliteDatabase {
  const memory = path === ':memory:'
  const file = memory ? path : resolve(path)
  try {
    if (!memory) makeDirsSync(dirname(file))
    return new Database(file, { timeout })
  } catch (error) {
    const mapped = toStoreError('open', error)
    // A file that cannot be created or opened is "unavailable" whatever the OS said.
    if (mapped instanceof StoreError) {
      throw new StoreUnavailableError(NAME, 'could not open the database file', { cause: error })
    }
    throw mapped
  }
}

function readSchemaVersion(db: SqliteDatabase, prefix: string): number {
  const exists = db
    .prepare<[string], number>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .pluck()
    .get(`${prefix}meta`)
  if (exists === undefined) return 0
  const value = db
    .prepare<[string], string>(`SELECT value FROM ${sqliteTables(prefix).meta} WHERE key = ?`)
    .pluck()
    .get(SCHEMA_VERSION_KEY)
  if (value === undefined) return 0
  const version = Number(value)
  if (!Number.isInteger(version) || version < 0) {
    throw new StoreError(NAME, 'the schema version recorded in the meta table is malformed')
  }
  return version
}

/**
 * Brings the schema up to {@link SQLITE_SCHEMA_VERSION}. The first read is outside any
 * transaction so that re-opening a current database takes no write lock and runs no DDL; the
 * version is read again under `BEGIN IMMEDIATE` because another process may have migrated in
 * between.
 */
function migrate(db: SqliteDatabase, prefix: string): void {
  const check = (version: number): void => {
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new StoreError(
        NAME,
        `the database has schema version ${version}, newer than this sessionkit understands (${SQLITE_SCHEMA_VERSION}); upgrade sessionkit`,
      )
    }
  }
  const current = readSchemaVersion(db, prefix)
  check(current)
  if (current === SQLITE_SCHEMA_VERSION) return
  const run = db.transaction(() => {
    const version = readSchemaVersion(db, prefix)
    check(version)
    if (version === SQLITE_SCHEMA_VERSION) return
    db.exec(metaTableSql(prefix))
    for (const steps of sqliteMigrations(prefix).slice(version)) {
      for (const step of steps) db.exec(step)
    }
    db.prepare(
      `INSERT INTO ${sqliteTables(prefix).meta} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(SCHEMA_VERSION_KEY, String(SQLITE_SCHEMA_VERSION))
  })
  run.immediate()
}

function prepareStatements(db: SqliteDatabase, prefix: string): Statements {
  const { sessions, tokens } = sqliteTables(prefix)
  const get = db.prepare<[string, number], SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM ${sessions} WHERE key = ? AND expires_at > ?`,
  )
  const set = db.prepare<[string, ...SessionValues]>(
    `INSERT INTO ${sessions} (key, ${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET data = excluded.data, user_id = excluded.user_id,
       tenant_id = excluded.tenant_id, ip = excluded.ip, user_agent = excluded.user_agent,
       created_at = excluded.created_at, updated_at = excluded.updated_at,
       last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at`,
  )
  const update = db.prepare<[...SessionValues, string]>(
    `UPDATE ${sessions} SET data = ?, user_id = ?, tenant_id = ?, ip = ?, user_agent = ?,
       created_at = ?, updated_at = ?, last_seen_at = ?, expires_at = ? WHERE key = ?`,
  )
  const touch = db.prepare<[number, number, string, number]>(
    `UPDATE ${sessions} SET last_seen_at = ?, expires_at = ? WHERE key = ? AND expires_at > ?`,
  )
  const destroy = db.prepare<[string]>(`DELETE FROM ${sessions} WHERE key = ?`)
  const listByUser = db.prepare<[string, number], KeyedSessionRow>(
    `SELECT key, ${SESSION_COLUMNS} FROM ${sessions} WHERE user_id = ? AND expires_at > ?`,
  )
  const destroyByUser = db.prepare<[string]>(`DELETE FROM ${sessions} WHERE user_id = ?`)
  const destroyByUserExcept = db.prepare<[string, string]>(
    `DELETE FROM ${sessions} WHERE user_id = ? AND key <> ?`,
  )
  const cleanupSessions = db.prepare<[number, number]>(
    `DELETE FROM ${sessions} WHERE key IN (SELECT key FROM ${sessions} WHERE expires_at <= ? LIMIT ?)`,
  )
  const cleanupTokens = db.prepare<[number, number]>(
    `DELETE FROM ${tokens} WHERE key IN (SELECT key FROM ${tokens} WHERE expires_at <= ? LIMIT ?)`,
  )
  const page = db.prepare<[string, number, number], KeyedSessionRow>(
    `SELECT key, ${SESSION_COLUMNS} FROM ${sessions} WHERE key > ? AND expires_at > ? ORDER BY key LIMIT ?`,
  )
  const putToken = db.prepare<[string, string, number]>(
    `INSERT INTO ${tokens} (key, value, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  )
  // One statement: SQLite runs it under a single write lock, so exactly one caller gets the row.
  const consumeToken = db
    .prepare<[string, number], string>(
      `DELETE FROM ${tokens} WHERE key = ? AND expires_at > ? RETURNING value`,
    )
    .pluck()
  return {
    get: (key, now) => get.get(key, now),
    set: (key, ...values) => void set.run(key, ...values),
    update: (...args) => void update.run(...args),
    touch: (lastSeenAt, expiresAt, key, now) => touch.run(lastSeenAt, expiresAt, key, now).changes,
    destroy: (key) => void destroy.run(key),
    listByUser: (userId, now) => listByUser.all(userId, now),
    destroyByUser: (userId) => destroyByUser.run(userId).changes,
    destroyByUserExcept: (userId, exceptKey) => destroyByUserExcept.run(userId, exceptKey).changes,
    cleanupSessions: (now) => cleanupSessions.run(now, CLEANUP_BATCH).changes,
    cleanupTokens: (now) => cleanupTokens.run(now, CLEANUP_BATCH).changes,
    page: (afterKey, now) => page.all(afterKey, now, ENTRIES_PAGE),
    putToken: (key, value, expiresAt) => void putToken.run(key, value, expiresAt),
    consumeToken: (key, now) => consumeToken.get(key, now),
  }
}

/**
 * A {@link Store} on SQLite (better-sqlite3 12). It declares every capability: by-user
 * listing and revocation, cleanup, iteration and single-use tokens.
 *
 * The database runs in WAL mode, so readers never wait for the writer and several processes
 * can share one file. Keys are the hashes the manager hands over: no raw session ID is ever
 * written. The schema is created and migrated on construction (see docs/stores.md).
 *
 * Construction is synchronous and throws MissingDependencyError when better-sqlite3 is not
 * installed, InvalidConfigError for bad options and StoreUnavailableError when the file
 * cannot be opened.
 *
 * @example
 * ```ts
 * import { SqliteStore } from 'sessionkit/stores/sqlite'
 * const store = new SqliteStore({ path: './data/sessions.db' })
 * ```
 */
export class SqliteStore implements Store {
  readonly name = NAME
  readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  }

  readonly #db: SqliteDatabase
  readonly #ownsDatabase: boolean
  readonly #statements: Statements
  readonly #patch: (key: string, patch: SessionPatch, now: number) => boolean
  #closed = false

  constructor(options: SqliteStoreOptions) {
    const resolved = resolveOptions(options)
    const { path, database } = options
    if (database === undefined) {
      const Database = loadBetterSqlite3()
      this.#db = openDatabase(Database, path ?? '', resolved.busyTimeoutMs ?? 0)
      this.#ownsDatabase = true
    } else {
      this.#db = database
      this.#ownsDatabase = false
    }
    try {
      this.#configure(resolved)
      migrate(this.#db, resolved.tablePrefix)
      this.#statements = prepareStatements(this.#db, resolved.tablePrefix)
      const transaction = this.#db.transaction(this.#applyPatch.bind(this))
      this.#patch = (key, patch, now) => transaction.immediate(key, patch, now)
    } catch (error) {
      if (this.#ownsDatabase) this.#db.close()
      throw toStoreError('open', error)
    }
  }

  #configure({ synchronous, busyTimeoutMs }: ResolvedOptions): void {
    if (!this.#db.open) {
      throw new StoreUnavailableError(NAME, 'the database connection given is closed')
    }
    if (this.#ownsDatabase && !this.#db.memory) this.#db.pragma('journal_mode = WAL')
    if (busyTimeoutMs !== undefined) this.#db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    if (synchronous !== undefined) this.#db.pragma(`synchronous = ${synchronous}`)
  }

  /** Runs inside BEGIN IMMEDIATE: no other writer can change the row between read and write. */
  #applyPatch(key: string, patch: SessionPatch, now: number): boolean {
    const row = this.#statements.get(key, now)
    if (row === undefined) return false
    const record = rowToRecord(row)
    if (record === null) return false
    const data: JsonObject = record.data
    for (const [field, value] of Object.entries(patch.set)) setOwn(data, field, value)
    for (const field of patch.remove) delete data[field]
    const meta = { ...record }
    for (const field of ['userId', 'tenantId', 'ip', 'userAgent'] as const) {
      const value = patch.meta?.[field]
      if (value !== undefined) meta[field] = value
    }
    const values = recordToValues({
      ...meta,
      data,
      updatedAt: patch.updatedAt,
      lastSeenAt: patch.lastSeenAt,
      expiresAt: patch.expiresAt,
    })
    this.#statements.update(...values, key)
    return true
  }

  /** The statements, or a StoreUnavailableError once the store is closed. */
  #use(): Statements {
    if (this.#closed) throw new StoreUnavailableError(NAME, 'the store is closed')
    return this.#statements
  }

  #run<T>(operation: string, body: (statements: Statements) => T): T {
    try {
      return body(this.#use())
    } catch (error) {
      throw toStoreError(operation, error)
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!isValidStoreKey(key)) return null
    const row = this.#run('get', (s) => s.get(key, now))
    return row === undefined ? null : rowToRecord(row)
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    assertStoreKey(key)
    assertRecord(NAME, record)
    this.#run('set', (s) => s.set(key, ...recordToValues(record)))
  }

  async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    // A malformed key cannot name a record, so there is nothing to patch (not an error).
    if (!isValidStoreKey(key)) return false
    assertPatch(NAME, patch)
    if (typeof patch.set !== 'object' || patch.set === null || !Array.isArray(patch.remove)) {
      throw new StoreError(NAME, 'a patch needs a `set` object and a `remove` array')
    }
    return this.#run('patch', () => this.#patch(key, patch, now))
  }

  async touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    if (!isValidStoreKey(key)) return false
    assertTimes(NAME, times)
    return this.#run('touch', (s) => s.touch(times.lastSeenAt, times.expiresAt, key, now) > 0)
  }

  async destroy(key: string): Promise<void> {
    if (!isValidStoreKey(key)) return
    this.#run('destroy', (s) => s.destroy(key))
  }

  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    const rows = this.#run('listByUser', (s) => s.listByUser(userId, now))
    return keyedRecords(rows)
  }

  async destroyByUser(userId: string, options?: { exceptKey?: string }): Promise<number> {
    const exceptKey = options?.exceptKey
    return this.#run('destroyByUser', (s) =>
      exceptKey === undefined ? s.destroyByUser(userId) : s.destroyByUserExcept(userId, exceptKey),
    )
  }

  async cleanup(now: number): Promise<number> {
    let removed = 0
    for (;;) {
      const count = this.#run('cleanup', (s) => s.cleanupSessions(now))
      removed += count
      if (count < CLEANUP_BATCH) break
      // Let requests in between batches: this loop may run for a while on a big backlog.
      await yieldToEventLoop()
    }
    while (this.#run('cleanup', (s) => s.cleanupTokens(now)) === CLEANUP_BATCH) {
      await yieldToEventLoop()
    }
    return removed
  }

  async *entries(now: number): AsyncIterable<KeyedRecord> {
    // Keyset pages rather than one open cursor: better-sqlite3 refuses every other statement
    // on a connection while an iterator is open, and a migration may take minutes.
    let after = ''
    for (;;) {
      const rows = this.#run('entries', (s) => s.page(after, now))
      yield* keyedRecords(rows)
      const last = rows.at(-1)
      if (last === undefined || rows.length < ENTRIES_PAGE) return
      after = last.key
    }
  }

  async putToken(key: string, token: TokenRecord): Promise<void> {
    assertStoreKey(key)
    assertToken(NAME, token)
    this.#run('putToken', (s) => s.putToken(key, encodeToken(token.value), token.expiresAt))
  }

  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    if (!isValidStoreKey(key)) return null
    const value = this.#run('consumeToken', (s) => s.consumeToken(key, now))
    if (value === undefined) return null
    try {
      return JSON.parse(value) as JsonValue
    } catch {
      return null
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsDatabase && this.#db.open) {
      try {
        this.#db.close()
      } catch (error) {
        throw toStoreError('close', error)
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function keyedRecords(rows: KeyedSessionRow[]): KeyedRecord[] {
  const result: KeyedRecord[] = []
  for (const row of rows) {
    const record = rowToRecord(row)
    if (record !== null) result.push({ key: row.key, record })
  }
  return result
}

function encodeToken(value: JsonValue): string {
  const text = JSON.stringify(value)
  // JSON.stringify(undefined) is undefined; NOT NULL would reject it with a less useful error.
  if (typeof text !== 'string') throw new StoreError(NAME, 'the token value is not JSON')
  return text
}
