/**
 * Reading connect-pg-simple's table: `sid` varchar primary key, `sess` json, `expire`
 * timestamp. Rows are read in pages by `sid` (keyset pagination), so the table is never
 * loaded at once and no long transaction is held.
 * @module
 */

import type { Client } from 'pg'
import { StoreError, StoreUnavailableError } from '../../core/errors.js'
import type { KeyedRecord } from '../../core/store.js'
import { driverCode, loadPg } from './drivers.js'
import { type LegacyOptions, legacyRecord, legacyStoreKey } from './legacy.js'
import type { ConnectPgSimpleSource } from './legacy-url.js'
import { emptySkipCounts, type MigrationSource } from './source.js'

const NAME = 'connect-pg-simple'
const PAGE = 500
const TIMEOUT_MS = 10_000

/** SQLSTATE classes that mean the server cannot be used right now. */
const UNAVAILABLE = /^(08|57P|53)/

function quoted(source: ConnectPgSimpleSource): string {
  // Identifiers were checked against a plain-identifier pattern when the URL was parsed.
  return source.schema === null ? `"${source.table}"` : `"${source.schema}"."${source.table}"`
}

function wrap(error: unknown, source: ConnectPgSimpleSource): Error {
  if (error instanceof StoreUnavailableError || error instanceof StoreError) return error
  const code = driverCode(error)
  if (code === '42P01') {
    return new StoreError(NAME, `there is no table ${quoted(source)}; check ?table= and ?schema=`, {
      cause: error,
    })
  }
  if (code === '42703') {
    return new StoreError(
      NAME,
      `${quoted(source)} lacks the sid, sess and expire columns of connect-pg-simple`,
      {
        cause: error,
      },
    )
  }
  if (UNAVAILABLE.test(code) || code.startsWith('E') || code === 'Error') {
    return new StoreUnavailableError(NAME, `PostgreSQL cannot be reached (${code})`, {
      cause: error,
    })
  }
  return new StoreError(NAME, `PostgreSQL failed (${code})`, { cause: error })
}

async function connect(source: ConnectPgSimpleSource): Promise<Client> {
  const pg = loadPg()
  let client: Client
  try {
    client = new pg.Client({
      connectionString: source.connectionString,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS * 3,
    })
  } catch (error) {
    // pg's parse error keeps the URL (password included) on the error: keep only the code.
    throw new StoreUnavailableError(NAME, `the PostgreSQL URL is not usable (${driverCode(error)})`)
  }
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    await client.end().catch(() => {})
    throw wrap(error, source)
  }
}

interface Row {
  sid: string
  sess: string
  expire_ms: number | null
}

/** connect-pg-simple sessions as a migration source. */
export async function connectPgSimpleSource(
  source: ConnectPgSimpleSource,
  options: LegacyOptions,
): Promise<MigrationSource> {
  const client = await connect(source)
  const skipped = emptySkipCounts()
  const table = quoted(source)
  // `expire` is a timestamp without time zone written by to_timestamp() in the session's time
  // zone; reading it back as timestamptz in the same zone gives the instant it was meant to be.
  const page = `SELECT sid, sess::text AS sess,
      (extract(epoch FROM expire::timestamptz) * 1000)::float8 AS expire_ms
    FROM ${table}
    WHERE expire::timestamptz > to_timestamp($1::float8 / 1000) AND sid > $2
    ORDER BY sid
    LIMIT ${PAGE}`

  async function* entries(now: number): AsyncGenerator<KeyedRecord> {
    let after = ''
    for (;;) {
      let rows: Row[]
      try {
        rows = (await client.query<Row>(page, [now, after])).rows
      } catch (error) {
        throw wrap(error, source)
      }
      for (const row of rows) {
        const record = legacyRecord(row.sess, row.expire_ms, now, options)
        if (typeof record === 'string') {
          skipped[record]++
          continue
        }
        yield { key: legacyStoreKey(row.sid), record }
      }
      const last = rows.at(-1)
      if (last === undefined || rows.length < PAGE) return
      after = last.sid
    }
  }

  return {
    name: NAME,
    skipped,
    entries,
    async count(now) {
      try {
        const result = await client.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM ${table} WHERE expire::timestamptz > to_timestamp($1::float8 / 1000)`,
          [now],
        )
        return result.rows[0]?.count ?? 0
      } catch (error) {
        throw wrap(error, source)
      }
    },
    async close() {
      await client.end().catch(() => {})
    },
  }
}
