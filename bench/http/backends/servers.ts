/**
 * The database servers the HTTP benchmark uses, all on loopback, and removing a run's Redis keys.
 * @module
 */
import { Redis } from 'ioredis'

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
