/**
 * Redis: sessionkit's RedisStore (on ioredis, the library it picks when both are installed)
 * beside a bare ioredis client doing the same round trips (see redis-raw.ts), and beside
 * connect-redis 9 on node-redis. Keys live under a prefix of the run's own, deleted after.
 * @module
 */
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { SessionRecord } from '../../src/core/store.js'
import { peerOps, seedPeer } from './peer.js'
import { rawRedisOps } from './redis-raw.js'
import { openOrSkip, unreachable } from './server.js'
import type { Opened, StoreTarget } from './types.js'

const URL = 'redis://127.0.0.1:6379'

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    if (keys.length > 0) await client.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

export const redisTarget: StoreTarget = {
  name: 'redis',
  async open(fixture): Promise<Opened> {
    const down = await unreachable('127.0.0.1', 6379)
    if (down !== null) return { skip: down }
    const prefix = `bench:${fixture.tag}:`
    const store = openOrSkip(`${URL}?prefix=${encodeURIComponent(prefix)}`)
    if ('skip' in store) return store
    const raw = new Redis(URL)
    const peerClient = createClient({ url: URL })
    await peerClient.connect()
    const peer = new ConnectRedisStore({ client: peerClient, prefix: `${prefix}peer:` })
    const cleanup = async (): Promise<void> => {
      await store.close()
      await deleteKeys(raw, `${prefix}*`)
      raw.disconnect()
      await peerClient.quit()
    }
    try {
      for (const [index, key] of fixture.keys.entries()) {
        await store.set(key, fixture.records[index] as SessionRecord)
      }
      await seedPeer(peer, fixture)
    } catch (error) {
      await cleanup()
      throw error
    }
    return {
      sessionkit: {
        get: (i) => store.get(fixture.key(i), fixture.now),
        patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
        touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
      },
      raw: rawRedisOps(raw, prefix, fixture),
      rawName: 'ioredis, same commands and Lua',
      peer: { name: 'connect-redis 9 (node-redis)', ops: peerOps(peer, fixture) },
      cleanup,
    }
  },
}
