/**
 * Borrowing a pooled connection for one operation, with every wait bounded: getting a
 * connection by `connectTimeout`, each statement by `queryTimeout`. A connection that timed out,
 * lost its server or failed oddly is destroyed rather than returned to the pool, so the next
 * operation starts on a fresh one and the store recovers by itself when the server is back.
 * @module
 */

import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { StoreUnavailableError } from '../core/errors.js'
import { Deadlines } from './deadlines.js'
import {
  isDeadlock,
  type MysqlPool,
  type MysqlPoolConnection,
  mustDiscardConnection,
  STORE_NAME,
  toStoreError,
} from './mysql-driver.js'
import { jsonAsText } from './mysql-rows.js'

/** A bind value: the store binds only strings, numbers and NULL. */
export type BindValue = string | number | null

/** How long each kind of wait may last, in milliseconds. */
export interface ConnectionTimeouts {
  connectMs: number
  queryMs: number
}

/** How many times a transaction that InnoDB chose as a deadlock victim is run again. */
const DEADLOCK_ATTEMPTS = 3

/**
 * Core connections that already carry the store's 'error' listener. mysql2's pool listens
 * with `once`, so a second 'error' on a dead connection (a protocol error after a reset, a
 * write after close) would have no listener and crash the process.
 */
const guarded = new WeakSet<object>()

function ignore(): void {}

/** Gives a connection back to its pool; a pool closed meanwhile has nothing to take it. */
function release(connection: { release(): void }): void {
  try {
    connection.release()
  } catch {
    // Nothing to give it back to.
  }
}

function guard(core: unknown): void {
  if (typeof core !== 'object' || core === null || guarded.has(core)) return
  guarded.add(core)
  if ('on' in core && typeof core.on === 'function') core.on('error', ignore)
}

/**
 * `work`, or a StoreUnavailableError after `ms`. `onTimeout` runs first, to tear down what
 * `work` was waiting on; a later settlement of `work` is absorbed, never unhandled.
 */
function withDeadline<T>(work: Promise<T>, ms: number, message: string, onTimeout: () => void) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout()
      reject(new StoreUnavailableError(STORE_NAME, `${message} within ${ms} ms`))
    }, ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** One borrowed connection: statements with bounded waits, and transactions. */
export class MysqlSession {
  readonly #connection: MysqlPoolConnection
  readonly #queryMs: number
  readonly #deadlines: Deadlines
  #broken = false

  /** `deadlines` bounds statements by `queryMs` with the connector's shared timer. */
  constructor(connection: MysqlPoolConnection, queryMs: number, deadlines: Deadlines) {
    this.#connection = connection
    this.#queryMs = queryMs
    this.#deadlines = deadlines
  }

  /** True once a statement timed out: the connection still has it in flight. */
  get broken(): boolean {
    return this.#broken
  }

  #bounded<T>(work: Promise<T>, ms = this.#queryMs): Promise<T> {
    const onTimeout = (): void => {
      this.#broken = true
      this.#connection.destroy()
    }
    if (ms !== this.#queryMs) return withDeadline(work, ms, 'the server did not answer', onTimeout)
    return new Promise<T>((resolve, reject) => {
      const running = this.#deadlines.track(() => {
        onTimeout()
        reject(new StoreUnavailableError(STORE_NAME, `the server did not answer within ${ms} ms`))
      })
      work.then(
        (value) => {
          if (this.#deadlines.done(running)) resolve(value)
        },
        (error: unknown) => {
          if (this.#deadlines.done(running)) reject(error)
        },
      )
    })
  }

  /**
   * Runs a prepared statement (server-side binding: no client-side escaping, so it is safe
   * under any `sql_mode`, NO_BACKSLASH_ESCAPES included) and returns its rows.
   */
  async rows<T>(sql: string, values: BindValue[] = [], timeoutMs?: number): Promise<T[]> {
    const [rows] = await this.#bounded(
      this.#connection.execute<RowDataPacket[]>({ sql, typeCast: jsonAsText }, values),
      timeoutMs,
    )
    return rows as T[]
  }

  /** Runs a prepared statement that changes rows; returns how many it matched or removed. */
  async write(sql: string, values: BindValue[] = []): Promise<number> {
    const [result] = await this.#bounded(this.#connection.execute<ResultSetHeader>({ sql }, values))
    return result.affectedRows
  }

  /** Runs a statement without parameters (DDL, transaction control) as plain text. */
  async command(sql: string): Promise<void> {
    await this.#bounded(this.#connection.query(sql))
  }

  /**
   * Runs `body` in a transaction and commits it; rolls back when it throws. A deadlock
   * (InnoDB rolled back the whole transaction) runs it again, a few times, since no statement
   * of it took effect.
   */
  async transaction<T>(body: (session: MysqlSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.command('START TRANSACTION')
      try {
        const result = await body(this)
        await this.command('COMMIT')
        return result
      } catch (error) {
        await this.#rollback()
        if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error
      }
    }
  }

  async #rollback(): Promise<void> {
    if (this.#broken) return
    try {
      await this.command('ROLLBACK')
    } catch {
      // The connection is gone or stuck; destroying it makes the server roll back.
      this.#broken = true
      this.#connection.destroy()
    }
  }
}

/** A statement's outcome as mysql2 hands it to a callback: rows, or a write's header. */
export type StatementResult = RowDataPacket[] | ResultSetHeader

/**
 * Hands out {@link MysqlSession}s from a pool, bounding the wait for a connection, and runs
 * single statements with the same bounds.
 */
export class MysqlConnector {
  readonly #pool: MysqlPool
  readonly #timeouts: ConnectionTimeouts
  readonly #connectDeadlines: Deadlines
  readonly #queryDeadlines: Deadlines

  constructor(pool: MysqlPool, timeouts: ConnectionTimeouts) {
    this.#pool = pool
    this.#timeouts = timeouts
    this.#connectDeadlines = new Deadlines(timeouts.connectMs)
    this.#queryDeadlines = new Deadlines(timeouts.queryMs)
  }

  /**
   * Runs one prepared statement outside a transaction, with the bounds and the connection
   * hygiene of {@link use}: the wait for a connection by `connectTimeout` (a connection handed
   * over late goes straight back), the statement by `queryTimeout` (its connection, which
   * still has it in flight, is destroyed), and a connection a failure may have spoiled is
   * destroyed rather than returned; every failure is translated for `operation`. It goes through the callback API of the pool underneath
   * with one shared timer per kind of wait: a session object, two promise timers and the
   * promise API's stack capture per call cost more client CPU than a short statement's round
   * trip.
   */
  statement(
    operation: string,
    sql: string,
    values: BindValue[],
    rows: boolean,
  ): Promise<StatementResult> {
    const { connectMs, queryMs } = this.#timeouts
    return new Promise<StatementResult>((resolve, reject) => {
      const waiting = this.#connectDeadlines.track(() =>
        reject(new StoreUnavailableError(STORE_NAME, `no connection within ${connectMs} ms`)),
      )
      this.#pool.pool.getConnection((acquireError, connection) => {
        if (!this.#connectDeadlines.done(waiting)) {
          if (!acquireError) release(connection)
          return
        }
        if (acquireError) {
          reject(toStoreError(operation, acquireError))
          return
        }
        guard(connection)
        const running = this.#queryDeadlines.track(() => {
          connection.destroy()
          reject(
            new StoreUnavailableError(STORE_NAME, `the server did not answer within ${queryMs} ms`),
          )
        })
        const done = (error: unknown, result: StatementResult): void => {
          if (!this.#queryDeadlines.done(running)) return
          if (error) {
            if (mustDiscardConnection(error)) connection.destroy()
            else connection.release()
            reject(toStoreError(operation, error))
            return
          }
          connection.release()
          resolve(result)
        }
        try {
          connection.execute<StatementResult>(
            rows ? { sql, typeCast: jsonAsText } : { sql },
            values,
            done,
          )
        } catch (error) {
          done(error, [])
        }
      })
    })
  }

  async #acquire(): Promise<MysqlPoolConnection> {
    const pending = this.#pool.getConnection()
    const connection = await withDeadline(
      pending,
      this.#timeouts.connectMs,
      'no connection',
      () => {
        // The pool may still hand the connection over later: put it straight back.
        pending.then((late) => {
          try {
            late.release()
          } catch {
            // A pool closed meanwhile has nothing to give it back to.
          }
        }, ignore)
      },
    )
    guard(connection.connection)
    return connection
  }

  /**
   * Runs `body` on a borrowed connection and gives the connection back: to the pool when it
   * is healthy, destroyed when the failure may have left it unusable.
   */
  async use<T>(body: (session: MysqlSession) => Promise<T>): Promise<T> {
    const connection = await this.#acquire()
    const session = new MysqlSession(connection, this.#timeouts.queryMs, this.#queryDeadlines)
    let result: T
    try {
      result = await body(session)
    } catch (error) {
      if (session.broken || mustDiscardConnection(error)) {
        if (!session.broken) connection.destroy()
      } else {
        connection.release()
      }
      throw error
    }
    connection.release()
    return result
  }
}
