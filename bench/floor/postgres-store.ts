/**
 * The floor's records in PostgreSQL: one SELECT by primary key to load, one upsert to store, on
 * pg with a pool of pg's default size (as sessionkit's store and connect-pg-simple have), in a
 * table of the run's own (key, text JSON, expiry in ms), dropped on close. Statements are
 * named, so each is parsed once per connection.
 * @module
 */
import pg from 'pg'
import { countRows, dropTableAndEnd, POSTGRES_URL } from '../http/backends/servers.js'
import type { FloorStore } from './sessions.js'

export async function postgresFloorStore(table: string): Promise<FloorStore> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
  await pool.query(
    `CREATE TABLE "${table}" (key text PRIMARY KEY, data text NOT NULL, expires_at bigint NOT NULL)`,
  )
  const select = {
    name: `${table}_get`,
    text: `SELECT data FROM "${table}" WHERE key = $1 AND expires_at > $2`,
  }
  const upsert = {
    name: `${table}_set`,
    text: `INSERT INTO "${table}" (key, data, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
  }
  return {
    async get(key) {
      const result = await pool.query<{ data: string }>({ ...select, values: [key, Date.now()] })
      return result.rows[0]?.data
    },
    set: (key, value, ttlMs) => pool.query({ ...upsert, values: [key, value, Date.now() + ttlMs] }),
    count: () => countRows(pool, table),
    close: () => dropTableAndEnd(pool, table),
  }
}
