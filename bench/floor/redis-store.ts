/**
 * The floor's records on Redis: one GET to load, one SET with an expiry to store, on node-redis
 * (the client connect-redis and sessionkit's Redis variant use in the bench), keys under the
 * run's own prefix, deleted on close. Its client arms no per-command timer (`timeout: 0`), as
 * sessionkit's store does: with node-redis's default one the floor would pay for an AbortSignal
 * per command that sessionkit does not, and stop being the least work.
 * @module
 */
import { createClient } from 'redis'
import { dropRedisPrefix, REDIS_URL } from '../http/backends/servers.js'
import type { FloorStore } from './sessions.js'

export async function redisFloorStore(prefix: string): Promise<FloorStore> {
  const client = createClient({ url: REDIS_URL, commandOptions: { timeout: 0 } })
  await client.connect()
  return {
    get: async (key) => (await client.get(`${prefix}${key}`)) ?? undefined,
    set: (key, value, ttlMs) => client.set(`${prefix}${key}`, value, { PX: ttlMs }),
    count: async () => null,
    async close() {
      await client.quit()
      await dropRedisPrefix(prefix)
    },
  }
}
