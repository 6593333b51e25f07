/**
 * connect-pg-simple 10 on a pg pool of pg's default size (as sessionkit's store has), in a
 * table of the run's own, dropped on close.
 * @module
 */
import connectPgSimple from 'connect-pg-simple'
import session from 'express-session'
import pg from 'pg'
import { callbackBackend } from './callback.js'
import { countRows, dropTableAndEnd, POSTGRES_URL } from './servers.js'
import type { CallbackBackend, RunSettings } from './types.js'

export async function postgresPeer(settings: RunSettings): Promise<CallbackBackend> {
  const table = `bench_${settings.tag}_connect_pg_simple`
  // pg's default pool size, as sessionkit's PostgreSQL store uses.
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
  // connect-pg-simple's own table.sql, with constraint and index names of the run's own:
  // its createTableIfMissing names them "session_pkey" and "IDX_session_expire" whatever the
  // table, so it fails while any other connect-pg-simple table exists in the schema.
  await pool.query(`CREATE TABLE "${table}" (
    "sid" varchar NOT NULL COLLATE "default" CONSTRAINT "${table}_pkey" PRIMARY KEY,
    "sess" json NOT NULL,
    "expire" timestamp(6) NOT NULL)`)
  await pool.query(`CREATE INDEX "${table}_expire" ON "${table}" ("expire")`)
  const PgStore = connectPgSimple(session)
  // No pruning timer: sessionkit's first cleanup is an hour away, so neither prunes here.
  const store = new PgStore({ pool, tableName: table, pruneSessionInterval: false })
  return callbackBackend(
    store,
    () => dropTableAndEnd(pool, table),
    () => countRows(pool, table),
  )
}
