/**
 * Redis Cluster: the same three columns as `redis` (see redis.ts), on a three-master cluster
 * the benchmark starts itself when `redis-server` is on PATH, and stops after.
 * @module
 */
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import { Cluster } from 'ioredis'
import { createCluster } from 'redis'
import type { SessionRecord } from '../../src/core/store.js'
import { peerOps, seedPeer } from './peer.js'
import { startLocalCluster } from './redis-cluster-server.js'
import { rawRedisOps } from './redis-raw.js'
import { openOrSkip } from './server.js'
import type { Opened, StoreTarget } from './types.js'

export const redisClusterTarget: StoreTarget = {
  name: 'redis-cluster',
  async open(fixture): Promise<Opened> {
    let cluster: Awaited<ReturnType<typeof startLocalCluster>>
    try {
      cluster = await startLocalCluster()
    } catch (error) {
      return { skip: `could not start a local cluster: ${String(error).slice(0, 120)}` }
    }
    const nodes = cluster.ports.map((port) => ({ host: '127.0.0.1', port }))
    const prefix = `bench:${fixture.tag}:`
    const list = nodes.map(({ host, port }) => `${host}:${port}`).join(',')
    const store = openOrSkip(`redis-cluster://${list}?prefix=${encodeURIComponent(prefix)}`)
    if ('skip' in store) {
      await cluster.stop()
      return store
    }
    const raw = new Cluster(nodes)
    const peerClient = createCluster({
      rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
    })
    const cleanup = async (): Promise<void> => {
      await store.close()
      raw.disconnect()
      await peerClient.close().catch(() => undefined)
      // The nodes go, and every key with them.
      await cluster.stop()
    }
    try {
      await peerClient.connect()
      for (const [index, key] of fixture.keys.entries()) {
        await store.set(key, fixture.records[index] as SessionRecord)
      }
      const peer = new ConnectRedisStore({ client: peerClient, prefix: `${prefix}peer:` })
      await seedPeer(peer, fixture)
      return {
        sessionkit: {
          get: (i) => store.get(fixture.key(i), fixture.now),
          patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
          touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
        },
        raw: rawRedisOps(raw, prefix, fixture),
        rawName: 'ioredis Cluster, same commands and Lua',
        peer: { name: 'connect-redis 9 (node-redis cluster)', ops: peerOps(peer, fixture) },
        cleanup,
      }
    } catch (error) {
      await cleanup()
      throw error
    }
  },
}
