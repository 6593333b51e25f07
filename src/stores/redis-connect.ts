/**
 * From validated options to a RedisConnection: wrap the caller's client, or load a library and
 * open one.
 * @module
 */

import type {
  IoredisClientLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisConnection,
} from './redis-client.js'
import { loadRedisDriver } from './redis-driver.js'
import { adaptIoredis, openIoredis } from './redis-ioredis.js'
import { adaptNodeRedis, adaptNodeRedisCluster, openNodeRedis } from './redis-node-redis.js'
import type { ResolvedRedisOptions } from './redis-options.js'

/** The connection the options describe. Loads the library synchronously, only when needed. */
export function openConnection({ source, settings }: ResolvedRedisOptions): RedisConnection {
  if (source.kind === 'client') {
    switch (source.clientKind) {
      case 'ioredis':
        return adaptIoredis(source.client as IoredisClientLike, false)
      case 'node-redis':
        return adaptNodeRedis(source.client as NodeRedisClientLike, false)
      case 'node-redis-cluster':
        return adaptNodeRedisCluster(source.client as NodeRedisClusterLike, false)
    }
  }
  const driver = loadRedisDriver(source.driver)
  return driver.name === 'ioredis'
    ? openIoredis(driver.module, source.target, settings)
    : openNodeRedis(driver.module, source.target, settings)
}
