/**
 * The database servers the HTTP benchmark uses, all on loopback, and removing what a run stored
 * there (its Redis keys, its PostgreSQL tables).
 * @module
 */
import { Redis } from 'ioredis'
import type pg from 'pg'

export const REDIS_URL = 'redis://127.0.0.1:6379'
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** Deletes every key matching `pattern`, a batch at a time (SCAN, never KEYS). */
export async function deleteRedisKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    if (keys.length > 0) await client.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

/** Deletes every key under `prefix` through a connection of its own, then closes it. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const cleaner = new Redis(REDIS_URL)
  try {
    await deleteRedisKeys(cleaner, `${prefix}*`)
  } finally {
    cleaner.disconnect()
  }
}

/**
 * Drops `table` and ends `pool`. Saves of requests cut off by the server's close may still be
 * running: they are let finish (for at most 2 s) rather than fail on a dropped table and log it.
 */
export async function dropTableAndEnd(pool: pg.Pool, table: string): Promise<void> {
  for (let waited = 0; pool.totalCount > pool.idleCount && waited < 2000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await pool.query(`DROP TABLE IF EXISTS "${table}"`)
  await pool.end()
}

/** The rows of `table`: the sessions a PostgreSQL-backed variant holds. */
export async function countRows(pool: pg.Pool, table: string): Promise<number> {
  const result = await pool.query<{ count: string }>(`SELECT count(*) FROM "${table}"`)
  return Number(result.rows[0]?.count ?? Number.NaN)
}
