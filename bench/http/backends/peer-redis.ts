/**
 * connect-redis 9, as its README sets it up: on node-redis (the client it requires), keys under
 * the run's own prefix, deleted on close.
 * @module
 */
import { RedisStore } from 'connect-redis'
import { createClient } from 'redis'
import { callbackBackend } from './callback.js'
import { dropRedisPrefix, REDIS_URL } from './servers.js'
import type { CallbackBackend, RunSettings } from './types.js'

export async function redisPeer(settings: RunSettings): Promise<CallbackBackend> {
  const prefix = `bench:${settings.tag}:es:`
  const client = createClient({ url: REDIS_URL })
  await client.connect()
  const store = new RedisStore({ client, prefix })
  return callbackBackend(store, async () => {
    await client.quit()
    await dropRedisPrefix(prefix)
  })
}
