/**
 * Loading pg, building the store's pool, and running statements with every wait bounded: a
 * connection within `connectTimeout`, a statement within `queryTimeout`. Whatever the network
 * does, an operation settles, and no error escapes as an unhandled rejection or an
 * uncaught 'error' event.
 * @module
 */

import { createRequire } from 'node:module'
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import {
  InvalidConfigError,
  MissingDependencyError,
  SessionkitError,
  StoreUnavailableError,
} from '../core/errors.js'
import { POSTGRES_STORE_NAME, PostgresTimeoutError, sqlState } from './postgres-errors.js'

/** The parts of the `pg` module the store uses. */
export type PgModule = typeof import('pg')

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const { code } = error
  return typeof code === 'string' ? code : undefined
}

/**
 * Loads pg synchronously, on first use only, so that importing sessionkit never needs the
 * optional peer and the store can still be built synchronously (openStore is sync).
 */
export function loadPg(): PgModule {
  try {
    return createRequire(import.meta.url)('pg') as PgModule
  } catch (error) {
    if (errorCode(error) === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError('pg', 'the PostgreSQL store', { cause: error })
    }
    throw new StoreUnavailableError(POSTGRES_STORE_NAME, 'pg could not be loaded', {
      cause: error,
    })
  }
}

/** What the store's own pool is built from. */
export interface OwnPoolSettings {
  url: string
  connectTimeoutMs: number
  queryTimeoutMs: number
}

/**
 * The store's own pool. Building it opens no connection. The URL is parsed here, once, by
 * pg itself (a Client parses on construction and connects only when asked), so a malformed
 * URL fails at start-up, and with an error that does not carry the URL: pg's parse error
 * keeps the input, password included, in a property.
 */
export function createOwnPool(pg: PgModule, settings: OwnPoolSettings): Pool {
  try {
    new pg.Client({ connectionString: settings.url })
  } catch {
    throw new InvalidConfigError(
      'url',
      'is not a valid PostgreSQL connection URL (not repeated here: it may hold a password)',
    )
  }
  // Parameters written in the URL (statement_timeout, application_name, sslmode…) override
  // these: pg lays the parsed URL over the config.
  return new pg.Pool({
    connectionString: settings.url,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.queryTimeoutMs,
    application_name: 'sessionkit',
    // A script that forgets close() still exits; a server keeps itself alive anyway.
    allowExitOnIdle: true,
  })
}

/** How long each wait of an operation may take. */
export interface Timeouts {
  connectTimeoutMs: number
  queryTimeoutMs: number
}

/**
 * A client from `pool` within `ms`. pg bounds this itself when the pool has
 * `connectionTimeoutMillis` (our own pool does); a caller's pool may not, so the wait is bounded
 * here as well. A client that arrives after we gave up goes straight back to the pool.
 */
function connectWithin(pool: Pool, ms: number): Promise<PoolClient> {
  return new Promise((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      reject(new PostgresTimeoutError(`no connection within ${ms} ms`))
    }, ms)
    pool.connect().then(
      (client) => {
        if (settled) {
          client.release()
          return
        }
        settled = true
        clearTimeout(timer)
        resolve(client)
      },
      (error: unknown) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** Runs one statement on a checked-out client, bounded by `queryTimeoutMs` on the client side. */
export type ClientQuery = <R extends QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<QueryResult<R>>

/**
 * Checks out a client, hands `body` a bounded query function, and releases the client. A
 * client whose connection failed (anything but an error the server answered with) is
 * destroyed rather than returned to the pool: it may still be running a statement we gave up
 * on, or be dead. With `discardOnError`, any failure destroys it (for transactions).
 */
export async function withClient<T>(
  pool: Pool,
  timeouts: Timeouts,
  body: (query: ClientQuery) => Promise<T>,
  options: { discardOnError?: boolean } = {},
): Promise<T> {
  const client = await connectWithin(pool, timeouts.connectTimeoutMs)
  let broken: Error | undefined
  // While checked out, pg-pool listens to no 'error' on the client; an error event with no
  // listener would crash the process. The failing query rejects as well, so this only records.
  const onError = (error: Error): void => {
    broken ??= error
  }
  client.on('error', onError)
  const query: ClientQuery = (text, values) => {
    const config: QueryConfig & { query_timeout: number } = {
      text,
      values: values ?? [],
      // Client-side: also fires when the network is silent and the server cannot be heard.
      query_timeout: timeouts.queryTimeoutMs,
    }
    return client.query(config)
  }
  try {
    return await body(query)
  } catch (error) {
    // A transaction is discarded with its connection: closing it is a rollback that cannot fail.
    const discard =
      options.discardOnError === true ||
      (sqlState(error) === undefined && !(error instanceof SessionkitError))
    if (discard) broken ??= error instanceof Error ? error : new Error('the operation failed')
    throw error
  } finally {
    client.release(broken ?? false)
    client.off('error', onError)
  }
}
