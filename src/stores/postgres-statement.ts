/**
 * Running one statement outside a transaction on a pooled client, with the bounds of
 * `withClient` (a connection within `connectTimeout`, the statement within `queryTimeout`,
 * both on the client side) but none of its per-call cost: pg's callback API, one shared timer
 * per kind of wait (deadlines.ts) instead of a timer promise and pg's `query_timeout` timer,
 * and one 'error' listener per client for its whole life instead of one added and removed per
 * call. This is the path of every get, set, touch and destroy.
 * @module
 */

import { createHash } from 'node:crypto'
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg'
import { SessionkitError } from '../core/errors.js'
import { Deadlines } from './deadlines.js'
import type { Timeouts } from './postgres-driver.js'
import { PostgresTimeoutError, sqlState } from './postgres-errors.js'

/**
 * Clients that carry the store's 'error' listener. While checked out, pg-pool listens to no
 * 'error' on a client, and an error event with no listener would crash the process; the
 * failing statement rejects as well, so the listener need not do anything.
 */
const guarded = new WeakSet<PoolClient>()

function ignore(): void {}

function guard(client: PoolClient): void {
  if (guarded.has(client)) return
  guarded.add(client)
  client.on('error', ignore)
}

const names = new Map<string, string>()

/**
 * The name the statement is prepared under, on each connection the first time it runs there:
 * after that the server skips parsing and planning it. Derived from the text, so stores with
 * other table names (other texts) on the same pool never share a name.
 */
function statementName(text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `sessionkit_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
    names.set(text, name)
  }
  return name
}

/** Single statements on one pool, each bounded in time. */
export class StatementRunner {
  readonly #pool: Pool
  readonly #timeouts: Timeouts
  readonly #connect: Deadlines
  readonly #query: Deadlines
  readonly #prepared: boolean

  /** `prepared`: run statements as named (prepared) statements; see the store's `preparedStatements`. */
  constructor(pool: Pool, timeouts: Timeouts, prepared = true) {
    this.#pool = pool
    this.#timeouts = timeouts
    this.#prepared = prepared
    this.#connect = new Deadlines(timeouts.connectTimeoutMs)
    this.#query = new Deadlines(timeouts.queryTimeoutMs)
  }

  /**
   * The statement's result. A client that arrives after the connect deadline goes straight
   * back; a client whose statement timed out (it may still be running it) or whose connection
   * failed (anything but an error the server answered with) is destroyed, not returned.
   */
  run<R extends QueryResultRow>(text: string, values: unknown[]): Promise<QueryResult<R>> {
    return new Promise<QueryResult<R>>((resolve, reject) => {
      const waiting = this.#connect.track(() =>
        reject(
          new PostgresTimeoutError(`no connection within ${this.#timeouts.connectTimeoutMs} ms`),
        ),
      )
      this.#pool.connect((connectError, client, release) => {
        if (!this.#connect.done(waiting)) {
          if (client !== undefined) release()
          return
        }
        if (connectError !== undefined || client === undefined) {
          reject(connectError ?? new Error('the pool gave no client'))
          return
        }
        guard(client)
        const running = this.#query.track(() => {
          const error = new PostgresTimeoutError(
            `the server did not answer within ${this.#timeouts.queryTimeoutMs} ms`,
          )
          release(error)
          reject(error)
        })
        const settle = (error: Error | undefined, result: QueryResult<R>): void => {
          if (!this.#query.done(running)) return
          if (error) {
            const healthy = sqlState(error) !== undefined || error instanceof SessionkitError
            release(healthy ? undefined : error)
            reject(error)
            return
          }
          release()
          resolve(result)
        }
        try {
          const config = this.#prepared
            ? { name: statementName(text), text, values }
            : { text, values }
          client.query<R>(config, settle)
        } catch (error) {
          settle(error instanceof Error ? error : new Error('the query failed'), undefined as never)
        }
      })
    })
  }
}
