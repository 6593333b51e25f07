/**
 * `sessionkit/stores/mysql`: sessions in MySQL 8 or MariaDB 10.5+ through mysql2. One row per
 * session, data as JSON; a patch is a transaction that locks the row (`SELECT … FOR UPDATE`),
 * merges the change in JavaScript and writes it back, so concurrent writers of different keys
 * never lose each other's change, in any number of processes. mysql2 is an optional peer
 * dependency, loaded only when a store opens its own pool.
 * @module
 */

import type { ResultSetHeader } from 'mysql2/promise'
import { StoreError, StoreUnavailableError } from '../core/errors.js'
import { isValidStoreKey } from '../core/ids.js'
import type {
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
import {
  type BindValue,
  MysqlConnector,
  type MysqlSession,
  type StatementResult,
} from './mysql-connection.js'
import {
  isUnavailable,
  loadMysql2,
  type MysqlPool,
  STORE_NAME,
  toStoreError,
} from './mysql-driver.js'
import { prepareServer } from './mysql-migrate.js'
import {
  type MysqlStoreOptions,
  type ResolvedMysqlOptions,
  resolveMysqlOptions,
} from './mysql-options.js'
import {
  decodeData,
  encodeJson,
  META_COLUMNS,
  metaValue,
  parseJsonText,
  recordToValues,
  rowToRecord,
  SESSION_COLUMNS,
  type SessionRow,
  setOwn,
} from './mysql-rows.js'
import { type MysqlTables, mysqlTables } from './mysql-schema.js'
import type { ServerInfo } from './mysql-server.js'

export type { MysqlPool } from './mysql-driver.js'
export type { MysqlStoreOptions } from './mysql-options.js'
export {
  MYSQL_SCHEMA_VERSION,
  type MysqlSchemaOptions,
  mysqlSchemaSql,
  mysqlSchemaStatements,
} from './mysql-schema.js'

/** Rows per DELETE in cleanup, so a large backlog never holds locks or the binlog for long. */
const CLEANUP_BATCH = 1000
/** Rows per page in entries(); each page is its own short query. */
const ENTRIES_PAGE = 500

/**
 * A {@link Store} on MySQL 8 or MariaDB 10.5+ (mysql2 3). It declares every capability:
 * by-user listing and revocation, cleanup, iteration and single-use tokens.
 *
 * The constructor does not connect. The first operation does, learns the server's flavour
 * (`SELECT VERSION()`), and creates or upgrades the tables once (under `GET_LOCK`, so several
 * instances starting together migrate once); if that fails, the next operation tries again.
 * A server that is down or does not answer gives StoreUnavailableError within `connectTimeout`
 * or `queryTimeout`, and the store carries on by itself when the server is back.
 *
 * Construction is synchronous and throws MissingDependencyError when mysql2 is not installed
 * and InvalidConfigError for bad options.
 *
 * @example
 * ```ts
 * import { MysqlStore } from 'sessionkit/stores/mysql'
 * const store = new MysqlStore({ url: process.env.DATABASE_URL })
 * ```
 */
export class MysqlStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  }

  readonly #options: ResolvedMysqlOptions
  readonly #pool: MysqlPool
  readonly #ownsPool: boolean
  readonly #connector: MysqlConnector
  readonly #tables: MysqlTables
  #ready: Promise<ServerInfo> | undefined
  /** True once #ready has resolved: single statements then skip awaiting it. */
  #prepared = false
  /** The statements of the hot single-statement operations, built once. */
  readonly #sql: {
    readonly get: string
    readonly touch: string
    readonly touchUnchanged: string
  }
  #closing: Promise<void> | undefined

  constructor(options: MysqlStoreOptions) {
    this.#options = resolveMysqlOptions(options)
    const { source, connectMs, queryMs, tablePrefix } = this.#options
    if (source.kind === 'url') {
      const mysql2 = loadMysql2()
      // createPool only records the settings: no connection is made until the first operation.
      this.#pool = mysql2.createPool({
        connectionLimit: 10,
        // No stack captured per promise call (mysql2's default): the store maps every error
        // to its own, with the driver's as the cause, and the capture cost each statement.
        trace: false,
        ...source.options,
        connectTimeout: connectMs,
        waitForConnections: true,
        enableKeepAlive: true,
      })
      this.#ownsPool = true
    } else {
      this.#pool = source.pool
      this.#ownsPool = false
    }
    this.#connector = new MysqlConnector(this.#pool, { connectMs, queryMs })
    this.#tables = mysqlTables(tablePrefix)
    const { sessions } = this.#tables
    this.#sql = {
      get: `SELECT ${SESSION_COLUMNS} FROM ${sessions} WHERE \`key\` = ? AND \`expires_at\` > ?`,
      touch: `UPDATE ${sessions} SET \`last_seen_at\` = ?, \`expires_at\` = ? WHERE \`key\` = ? AND \`expires_at\` > ?`,
      touchUnchanged: `SELECT 1 AS found FROM ${sessions} WHERE \`key\` = ? AND \`expires_at\` > ? AND \`last_seen_at\` = ? AND \`expires_at\` = ?`,
    }
  }

  /**
   * One statement outside a transaction, on a connection of its own (see
   * MysqlConnector.statement): the path of get and touch, every failure translated.
   */
  #statement(
    operation: string,
    sql: string,
    values: BindValue[],
    rows: boolean,
  ): Promise<StatementResult> {
    if (this.#closing !== undefined) {
      return Promise.reject(new StoreUnavailableError(STORE_NAME, 'the store is closed'))
    }
    const run = (): Promise<StatementResult> =>
      this.#connector.statement(operation, sql, values, rows)
    return this.#prepared
      ? run()
      : this.#prepare().then(run, (error: unknown) => {
          throw toStoreError(operation, error)
        })
  }

  /** Learns the server and migrates once; a failure is forgotten so the next call retries. */
  #prepare(): Promise<ServerInfo> {
    if (this.#ready === undefined) {
      const { tablePrefix, migrate, queryMs, forcedFlavour } = this.#options
      const ready = this.#connector.use((session) =>
        prepareServer(session, { tablePrefix, migrate, queryMs, forcedFlavour }),
      )
      this.#ready = ready
      ready.then(
        () => {
          if (this.#ready === ready) this.#prepared = true
        },
        () => {
          if (this.#ready === ready) this.#ready = undefined
        },
      )
    }
    return this.#ready
  }

  /** Runs one operation on a borrowed connection, translating every failure. */
  async #run<T>(
    operation: string,
    body: (session: MysqlSession, server: ServerInfo) => Promise<T>,
  ): Promise<T> {
    if (this.#closing !== undefined) {
      throw new StoreUnavailableError(STORE_NAME, 'the store is closed')
    }
    try {
      const server = await this.#prepare()
      return await this.#connector.use((session) => body(session, server))
    } catch (error) {
      throw toStoreError(operation, error)
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!isValidStoreKey(key)) return null
    const rows = (await this.#statement('get', this.#sql.get, [key, now], true)) as SessionRow[]
    const row = rows[0]
    return row === undefined ? null : rowToRecord(row)
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    assertStoreKey(key)
    assertRecord(STORE_NAME, record)
    const values = recordToValues(record)
    // REPLACE rather than INSERT … ON DUPLICATE KEY UPDATE col = VALUES(col): the same on both
    // servers, and not deprecated in MySQL 8.0.20+. Nothing of an earlier row survives, as
    // set() requires.
    await this.#run('set', (s) =>
      s.write(
        `REPLACE INTO ${this.#tables.sessions} (\`key\`, ${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [key, ...values],
      ),
    )
  }

  async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    // A malformed key cannot name a record, so there is nothing to patch (not an error).
    if (!isValidStoreKey(key)) return false
    assertPatch(STORE_NAME, patch)
    if (typeof patch.set !== 'object' || patch.set === null || !Array.isArray(patch.remove)) {
      throw new StoreError(STORE_NAME, 'a patch needs a `set` object and a `remove` array')
    }
    // Checked before any lock is taken, so a bad value never holds the row.
    const assignments = ['`updated_at` = ?', '`last_seen_at` = ?', '`expires_at` = ?']
    const values: BindValue[] = [patch.updatedAt, patch.lastSeenAt, patch.expiresAt]
    for (const { field, column } of META_COLUMNS) {
      const value = patch.meta?.[field]
      if (value === undefined) continue
      assignments.push(`${column} = ?`)
      values.push(metaValue(value, field))
    }
    // A copy taken now, through JSON (which keeps `__proto__` an own key): the caller may
    // change its objects while the transaction waits for the row lock.
    const changes = Object.entries(decodeData(encodeJson(patch.set, 'the patch')) ?? {})
    const removals = [...patch.remove]
    const { sessions } = this.#tables
    return this.#run('patch', (s) =>
      s.transaction(async (tx) => {
        const [row] = await tx.rows<{ data: unknown }>(
          `SELECT \`data\` FROM ${sessions} WHERE \`key\` = ? AND \`expires_at\` > ? FOR UPDATE`,
          [key, now],
        )
        const data = row === undefined ? null : decodeData(row.data)
        if (data === null) return false
        for (const [field, value] of changes) setOwn(data, field, value)
        for (const field of removals) delete data[field]
        await tx.write(
          `UPDATE ${sessions} SET \`data\` = ?, ${assignments.join(', ')} WHERE \`key\` = ?`,
          [encodeJson(data, 'the session data'), ...values, key],
        )
        return true
      }),
    )
  }

  async touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    if (!isValidStoreKey(key)) return false
    assertTimes(STORE_NAME, times)
    const { lastSeenAt, expiresAt } = times
    const result = (await this.#statement(
      'touch',
      this.#sql.touch,
      [lastSeenAt, expiresAt, key, now],
      false,
    )) as ResultSetHeader
    if (result.affectedRows > 0) return true
    // mysql2 asks for matched rows (CLIENT_FOUND_ROWS) by default, but a pool of the user's
    // may not: then a touch that changes nothing reports 0 for a record that is there.
    const same = (await this.#statement(
      'touch',
      this.#sql.touchUnchanged,
      [key, now, lastSeenAt, expiresAt],
      true,
    )) as unknown[]
    return same.length > 0
  }

  async destroy(key: string): Promise<void> {
    if (!isValidStoreKey(key)) return
    await this.#run('destroy', (s) =>
      s.write(`DELETE FROM ${this.#tables.sessions} WHERE \`key\` = ?`, [key]),
    )
  }

  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    if (typeof userId !== 'string') return []
    const rows = await this.#run('listByUser', (s) =>
      s.rows<SessionRow>(
        `SELECT \`key\`, ${SESSION_COLUMNS} FROM ${this.#tables.sessions} WHERE \`user_id\` = ? AND \`expires_at\` > ?`,
        [userId, now],
      ),
    )
    return keyedRecords(rows)
  }

  async destroyByUser(userId: string, options?: { exceptKey?: string }): Promise<number> {
    if (typeof userId !== 'string') return 0
    // A malformed exceptKey names no session, so every session of the user goes.
    const exceptKey = options?.exceptKey
    const except = exceptKey !== undefined && isValidStoreKey(exceptKey) ? exceptKey : undefined
    const { sessions } = this.#tables
    return this.#run('destroyByUser', (s) =>
      except === undefined
        ? s.write(`DELETE FROM ${sessions} WHERE \`user_id\` = ?`, [userId])
        : s.write(`DELETE FROM ${sessions} WHERE \`user_id\` = ? AND \`key\` <> ?`, [
            userId,
            except,
          ]),
    )
  }

  async cleanup(now: number): Promise<number> {
    const { sessions, tokens } = this.#tables
    // Batches, each its own statement and connection loan: a large backlog never holds row
    // locks for long, and other operations get connections in between.
    const sweep = async (table: string): Promise<number> => {
      let removed = 0
      for (;;) {
        const count = await this.#run('cleanup', (s) =>
          s.write(
            `DELETE FROM ${table} WHERE \`expires_at\` <= ? ORDER BY \`expires_at\` LIMIT ${CLEANUP_BATCH}`,
            [now],
          ),
        )
        removed += count
        if (count < CLEANUP_BATCH) return removed
      }
    }
    const removed = await sweep(sessions)
    await sweep(tokens)
    return removed
  }

  async *entries(now: number): AsyncIterable<KeyedRecord> {
    // Keyset pages rather than one long cursor: a migration may take minutes, and a cursor
    // would hold a connection (and a read view) for all of it.
    let after = ''
    for (;;) {
      const from = after
      const rows = await this.#run('entries', (s) =>
        s.rows<SessionRow & { key: string }>(
          `SELECT \`key\`, ${SESSION_COLUMNS} FROM ${this.#tables.sessions} WHERE \`key\` > ? AND \`expires_at\` > ? ORDER BY \`key\` LIMIT ${ENTRIES_PAGE}`,
          [from, now],
        ),
      )
      yield* keyedRecords(rows)
      const last = rows.at(-1)
      if (last === undefined || rows.length < ENTRIES_PAGE) return
      after = String(last.key)
    }
  }

  async putToken(key: string, token: TokenRecord): Promise<void> {
    assertStoreKey(key)
    assertToken(STORE_NAME, token)
    const value = encodeJson(token.value, 'the token value')
    await this.#run('putToken', (s) =>
      s.write(
        `REPLACE INTO ${this.#tables.tokens} (\`key\`, \`value\`, \`expires_at\`) VALUES (?, ?, ?)`,
        [key, value, token.expiresAt],
      ),
    )
  }

  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    if (!isValidStoreKey(key)) return null
    const { tokens } = this.#tables
    const text = await this.#run('consumeToken', async (s, server) => {
      if (server.returning) {
        // One statement: the row lock decides, so exactly one caller gets the value.
        const [row] = await s.rows<{ value: unknown }>(
          `DELETE FROM ${tokens} WHERE \`key\` = ? AND \`expires_at\` > ? RETURNING \`value\``,
          [key, now],
        )
        return row?.value
      }
      // MySQL has no DELETE … RETURNING: lock the row, read it, delete it, in one transaction.
      // Concurrent callers wait on the lock and then find the row gone.
      return s.transaction(async (tx) => {
        const [row] = await tx.rows<{ value: unknown }>(
          `SELECT \`value\` FROM ${tokens} WHERE \`key\` = ? AND \`expires_at\` > ? FOR UPDATE`,
          [key, now],
        )
        if (row === undefined) return undefined
        await tx.write(`DELETE FROM ${tokens} WHERE \`key\` = ?`, [key])
        return row.value
      })
    })
    const value = parseJsonText(text)
    return value === undefined ? null : value
  }

  /**
   * Ends the pool the store opened (waiting for statements in flight, at most `queryTimeout`);
   * a pool you passed in is left open. Idempotent; every later call rejects with
   * StoreUnavailableError.
   */
  async close(): Promise<void> {
    this.#closing ??= this.#ownsPool ? this.#endPool() : Promise.resolve()
    await this.#closing
  }

  async #endPool(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    // A server that stopped answering must not make close() hang: give up waiting after the
    // statement bound; the pool is closed for new work either way.
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.queryMs)
    })
    try {
      await Promise.race([this.#pool.end(), bound])
    } catch (error) {
      if (!isUnavailable(error)) throw toStoreError('close', error)
    } finally {
      clearTimeout(timer)
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function keyedRecords(rows: Array<SessionRow & { key?: unknown }>): KeyedRecord[] {
  const result: KeyedRecord[] = []
  for (const row of rows) {
    const record = rowToRecord(row)
    if (record !== null && typeof row.key === 'string') result.push({ key: row.key, record })
  }
  return result
}
