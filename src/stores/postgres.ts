/**
 * `sessionkit/stores/postgres`: sessions in PostgreSQL through pg 8, for apps that run on
 * several machines and already have a PostgreSQL. One row per session with the data as jsonb;
 * a patch is one `UPDATE` with jsonb operators, so concurrent writers never lose each other's
 * keys. pg is an optional peer dependency, loaded only when a store is built.
 * @module
 */

import type { Pool, QueryResult, QueryResultRow } from 'pg'
import { StoreError, StoreUnavailableError } from '../core/errors.js'
import { isValidStoreKey } from '../core/ids.js'
import type {
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionMeta,
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
import { createOwnPool, loadPg, type Timeouts } from './postgres-driver.js'
import { POSTGRES_STORE_NAME, toPostgresError } from './postgres-errors.js'
import { preparePostgresSchema } from './postgres-migrate.js'
import { type PostgresStoreOptions, resolvePostgresOptions } from './postgres-options.js'
import {
  jsonValue,
  type KeyedSessionRow,
  keyedRecords,
  metaValue,
  nowValue,
  parseJson,
  recordValues,
  rowToRecord,
  type SessionRow,
  timeValue,
} from './postgres-rows.js'
import { type PostgresTables, postgresTables } from './postgres-schema.js'
import { type PostgresStatements, postgresStatements } from './postgres-sql.js'
import { StatementRunner } from './postgres-statement.js'

export { POSTGRES_DEFAULTS, type PostgresStoreOptions } from './postgres-options.js'
export {
  POSTGRES_SCHEMA_VERSION,
  type PostgresSchemaOptions,
  type PostgresSchemaSqlOptions,
  postgresSchemaSql,
} from './postgres-schema.js'

/** Rows per DELETE in cleanup, so a large backlog never holds many row locks for long. */
const CLEANUP_BATCH = 1000
/** Rows per page in entries(); the pool is free for other calls between pages. */
const ENTRIES_PAGE = 500
const NAME = POSTGRES_STORE_NAME
const META_FIELDS = [
  'userId',
  'tenantId',
  'ip',
  'userAgent',
] as const satisfies readonly (keyof SessionMeta)[]

/**
 * A {@link Store} on PostgreSQL (pg 8, PostgreSQL 10 or newer). It declares every capability:
 * by-user listing and revocation, cleanup, iteration and single-use tokens.
 *
 * The constructor validates the options and loads pg, but opens no connection: the first
 * operation connects and creates or migrates the schema (once; concurrent first calls share
 * the work, and a failed attempt is retried by the next call). A server that is down or
 * silent makes operations fail with StoreUnavailableError within `connectTimeout` plus
 * `queryTimeout`; the store recovers by itself when the server is back.
 *
 * Construction throws MissingDependencyError when pg is not installed and InvalidConfigError
 * for bad options.
 *
 * @example
 * ```ts
 * import { PostgresStore } from 'sessionkit/stores/postgres'
 * const store = new PostgresStore({ url: process.env.DATABASE_URL, schema: 'auth' })
 * ```
 */
export class PostgresStore implements Store {
  readonly name = NAME
  readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  }

  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #tables: PostgresTables
  readonly #sql: PostgresStatements
  readonly #timeouts: Timeouts
  readonly #migrate: boolean
  readonly #statements: StatementRunner
  /** Errors of idle connections (a server restart): see the constructor. */
  readonly #onPoolError = (): void => {}
  #ready: Promise<void> | undefined
  #prepared = false
  #closed = false

  constructor(options: PostgresStoreOptions) {
    const resolved = resolvePostgresOptions(options)
    this.#timeouts = {
      connectTimeoutMs: resolved.connectTimeoutMs,
      queryTimeoutMs: resolved.queryTimeoutMs,
    }
    if (resolved.pool !== undefined) {
      this.#pool = resolved.pool
      this.#ownsPool = false
    } else {
      this.#pool = createOwnPool(loadPg(), { url: resolved.url ?? '', ...this.#timeouts })
      this.#ownsPool = true
    }
    // pg-pool re-emits the error of an idle client on the pool; with no listener, that is an
    // uncaught 'error' event and the process dies. The pool has already dropped the client,
    // and the next operation reports the outage, so there is nothing else to do with it.
    this.#pool.on('error', this.#onPoolError)
    this.#statements = new StatementRunner(this.#pool, this.#timeouts, resolved.preparedStatements)
    this.#tables = postgresTables(resolved.schema, resolved.tablePrefix)
    this.#sql = postgresStatements(this.#tables)
    this.#migrate = resolved.migrate
  }

  /**
   * The schema is prepared once per store. Concurrent first calls share one attempt; a failed
   * attempt is forgotten, so the next call tries again (the server may be back by then).
   */
  #prepare(): Promise<void> {
    if (this.#prepared) return Promise.resolve()
    this.#ready ??= preparePostgresSchema(
      this.#pool,
      this.#timeouts,
      this.#tables,
      this.#migrate,
    ).then(
      () => {
        this.#prepared = true
      },
      (error: unknown) => {
        this.#ready = undefined
        throw error
      },
    )
    return this.#ready
  }

  async #query<R extends QueryResultRow>(
    operation: string,
    text: string,
    values: unknown[],
  ): Promise<QueryResult<R>> {
    if (this.#closed) throw new StoreUnavailableError(NAME, 'the store is closed')
    try {
      if (!this.#prepared) await this.#prepare()
      return await this.#statements.run<R>(text, values)
    } catch (error) {
      throw toPostgresError(operation, error)
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!isValidStoreKey(key)) return null
    const result = await this.#query<SessionRow>('get', this.#sql.get, [key, nowValue(now)])
    const row = result.rows[0]
    return row === undefined ? null : rowToRecord(row)
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    assertStoreKey(key)
    assertRecord(NAME, record)
    await this.#query('set', this.#sql.set, [key, ...recordValues(record)])
  }

  async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    // A malformed key cannot name a record, so there is nothing to patch (not an error).
    if (!isValidStoreKey(key)) return false
    assertPatch(NAME, patch)
    if (typeof patch.set !== 'object' || patch.set === null || !Array.isArray(patch.remove)) {
      throw new StoreError(NAME, 'a patch needs a `set` object and a `remove` array')
    }
    if (!patch.remove.every((field) => typeof field === 'string')) {
      throw new StoreError(NAME, 'the keys a patch removes must be strings')
    }
    const meta: unknown[] = []
    for (const field of META_FIELDS) {
      const value = patch.meta?.[field]
      meta.push(value !== undefined, metaValue(value, field))
    }
    const result = await this.#query('patch', this.#sql.patch, [
      key,
      jsonValue(patch.set, 'the patch'),
      patch.remove,
      ...meta,
      timeValue(patch.updatedAt, 'updatedAt'),
      timeValue(patch.lastSeenAt, 'lastSeenAt'),
      timeValue(patch.expiresAt, 'expiresAt'),
      nowValue(now),
    ])
    return (result.rowCount ?? 0) > 0
  }

  async touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    if (!isValidStoreKey(key)) return false
    assertTimes(NAME, times)
    const result = await this.#query('touch', this.#sql.touch, [
      key,
      timeValue(times.lastSeenAt, 'lastSeenAt'),
      timeValue(times.expiresAt, 'expiresAt'),
      nowValue(now),
    ])
    return (result.rowCount ?? 0) > 0
  }

  async destroy(key: string): Promise<void> {
    if (!isValidStoreKey(key)) return
    await this.#query('destroy', this.#sql.destroy, [key])
  }

  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    const result = await this.#query<KeyedSessionRow>('listByUser', this.#sql.listByUser, [
      userId,
      nowValue(now),
    ])
    return keyedRecords(result.rows)
  }

  async destroyByUser(userId: string, options?: { exceptKey?: string }): Promise<number> {
    const exceptKey = options?.exceptKey
    const result =
      exceptKey === undefined
        ? await this.#query('destroyByUser', this.#sql.destroyByUser, [userId])
        : await this.#query('destroyByUser', this.#sql.destroyByUserExcept, [userId, exceptKey])
    return result.rowCount ?? 0
  }

  async cleanup(now: number): Promise<number> {
    const at = nowValue(now)
    let removed = 0
    for (;;) {
      const result = await this.#query('cleanup', this.#sql.cleanupSessions, [at, CLEANUP_BATCH])
      const count = result.rowCount ?? 0
      removed += count
      if (count < CLEANUP_BATCH) break
    }
    for (;;) {
      const result = await this.#query('cleanup', this.#sql.cleanupTokens, [at, CLEANUP_BATCH])
      if ((result.rowCount ?? 0) < CLEANUP_BATCH) break
    }
    return removed
  }

  async *entries(now: number): AsyncIterable<KeyedRecord> {
    // Keyset pages rather than a cursor: no connection or transaction stays open while the
    // caller (a migration) takes its time between records.
    const at = nowValue(now)
    let after = ''
    for (;;) {
      const result = await this.#query<KeyedSessionRow>('entries', this.#sql.page, [
        after,
        at,
        ENTRIES_PAGE,
      ])
      yield* keyedRecords(result.rows)
      const last = result.rows.at(-1)
      if (last === undefined || result.rows.length < ENTRIES_PAGE) return
      after = last.key
    }
  }

  async putToken(key: string, token: TokenRecord): Promise<void> {
    assertStoreKey(key)
    assertToken(NAME, token)
    await this.#query('putToken', this.#sql.putToken, [
      key,
      jsonValue(token.value, 'the token value'),
      timeValue(token.expiresAt, 'expiresAt'),
    ])
  }

  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    if (!isValidStoreKey(key)) return null
    const result = await this.#query<{ value: unknown }>('consumeToken', this.#sql.consumeToken, [
      key,
      nowValue(now),
    ])
    const row = result.rows[0]
    return row === undefined ? null : (parseJson(row.value) ?? null)
  }

  /**
   * Ends the store's own pool (waiting for operations in flight); a pool you passed in is left
   * open. Idempotent; every later call rejects with StoreUnavailableError.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (!this.#ownsPool) {
      // Your pool is yours again, with exactly the listeners you gave it. Our own pool keeps
      // the listener: a connection being ended may still report an error.
      this.#pool.off('error', this.#onPoolError)
      return
    }
    try {
      await this.#pool.end()
    } catch (error) {
      throw toPostgresError('close', error)
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
