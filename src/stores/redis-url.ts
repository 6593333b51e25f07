/**
 * openStore's factories for `redis://`, `rediss://` and `redis-cluster://` URLs. Query
 * parameters carry the store's options (`prefix`, `connectTimeout`, `commandTimeout`,
 * `driver`); the rest of the URL goes to the Redis library as written.
 * @module
 */

import type { Store } from '../core/store.js'
import { RedisStore } from './redis.js'
import { parseClusterUrl } from './redis-cluster.js'
import { readParams, type StoreUrl } from './store-url.js'

const PARAMS = {
  prefix: 'string',
  connectTimeout: 'duration',
  commandTimeout: 'duration',
  driver: ['ioredis', 'redis'],
} as const

/** `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS): a RedisStore. */
export function openRedis(url: StoreUrl): Store {
  const options = readParams(url, PARAMS)
  return new RedisStore({ ...options, url: `${url.scheme}:${url.body}` })
}

/** `redis-cluster://[user[:password]@]host:port,host:port,…`: a RedisStore on a cluster. */
export function openRedisCluster(url: StoreUrl): Store {
  const options = readParams(url, PARAMS)
  const { nodes, username, password } = parseClusterUrl(url.body)
  return new RedisStore({
    ...options,
    cluster: nodes,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  })
}
