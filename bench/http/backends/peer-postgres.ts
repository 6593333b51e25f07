/**
 * connect-pg-simple 10 on a pg pool of pg's default size (as sessionkit's store has), in a
 * table of the run's own, dropped on close.
 * @module
 */
import connectPgSimple from 'connect-pg-simple'
import session from 'express-session'
import pg from 'pg'
import { callbackBackend } from './callback.js'
import { POSTGRES_URL } from './servers.js'
import type { CallbackBackend, RunSettings } from './types.js'

export async function postgresPeer(settings: RunSettings): Promise<CallbackBackend> {
  const table = `bench_${settings.tag}_connect_pg_simple`
  // pg's default pool size, as sessionkit's PostgreSQL store uses.
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
  const PgStore = connectPgSimple(session)
  // No pruning timer: sessionkit's first cleanup is an hour away, so neither prunes here.
  const store = new PgStore({
    pool,
    tableName: table,
    createTableIfMissing: true,
    pruneSessionInterval: false,
  })
  // connect-pg-simple creates its table on its first query: do that now, not under load.
  await new Promise<void>((resolve, reject) => {
    store.get('warm-up', (error) => (error ? reject(error) : resolve()))
  })
  const records = async (): Promise<number | null> => {
    const result = await pool.query<{ count: string }>(`SELECT count(*) FROM "${table}"`)
    return Number(result.rows[0]?.count ?? Number.NaN)
  }
  const close = async (): Promise<void> => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`)
    await pool.end()
  }
  return callbackBackend(store, close, records)
}
