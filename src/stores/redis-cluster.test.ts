import { createHash } from 'node:crypto'
import { Cluster, type Redis } from 'ioredis'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisClusterHandle, startRedisCluster } from '../../test/support/redis-cluster.js'
import {
  deletePrefix,
  dumpPrefix,
  redisManagerScenarios,
} from '../../test/support/redis-scenarios.js'
import { redisServerInstalled } from '../../test/support/redis-server.js'
import { decideGate, describeWithService } from '../../test/support/services.js'
import { generateId, hashId } from '../core/ids.js'
import type { KeyedRecord, SessionRecord } from '../core/store.js'
import { testStore } from '../testing/index.js'
import { openStore } from './open-store.js'
import { RedisStore } from './redis.js'

const RUN = `sessionkit-cluster-test:${process.pid}-${Date.now().toString(36)}:`
const gate = decideGate('redis-server (for the Redis Cluster tests)', redisServerInstalled())

let prefixes = 0
function prefix(name: string): string {
  prefixes++
  return `${RUN}${name}-${prefixes}:`
}

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    data: { cart: ['sku-1'] },
    userId: null,
    tenantId: null,
    ip: null,
    userAgent: null,
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 600_000,
    ...overrides,
  }
}

function indexKey(storePrefix: string, userId: string): string {
  return `${storePrefix}u:${createHash('sha256').update(userId).digest('base64url')}`
}

describeWithService(gate, 'RedisStore on a Redis Cluster', () => {
  let cluster: RedisClusterHandle
  let admin: Cluster
  let ioredisCluster: Cluster
  let nodeRedisCluster: ReturnType<typeof createCluster>
  const masters = (): Redis[] => admin.nodes('master')

  beforeAll(async () => {
    cluster = await startRedisCluster()
    admin = new Cluster([...cluster.nodes])
    ioredisCluster = new Cluster([...cluster.nodes])
    nodeRedisCluster = createCluster({
      rootNodes: cluster.nodes.map(({ host, port }) => ({ socket: { host, port } })),
    })
    nodeRedisCluster.on('error', () => {})
    await Promise.all([admin.ping(), ioredisCluster.ping(), nodeRedisCluster.connect()])
  }, 60_000)

  afterAll(async () => {
    // Each step guarded: a failed start must still tear down whatever did start.
    await Promise.allSettled([
      admin ? deletePrefix(masters(), RUN) : undefined,
      nodeRedisCluster?.isOpen ? nodeRedisCluster.close() : undefined,
    ])
    admin?.disconnect()
    ioredisCluster?.disconnect()
    await cluster?.stop()
  }, 60_000)

  describe('conformance', () => {
    testStore(
      'redis cluster (ioredis, cluster option)',
      () => new RedisStore({ cluster: cluster.nodes, prefix: `${RUN}io:` }),
      { test: it, describe },
    )
    testStore(
      'redis cluster (node-redis, cluster option)',
      () => new RedisStore({ cluster: cluster.nodes, prefix: `${RUN}nr:`, driver: 'redis' }),
      { test: it, describe },
    )
    testStore(
      'redis cluster (your ioredis Cluster)',
      () => new RedisStore({ client: ioredisCluster, prefix: `${RUN}own-io:` }),
      { test: it, describe },
    )
    testStore(
      'redis cluster (your node-redis createCluster)',
      () => new RedisStore({ client: nodeRedisCluster, prefix: `${RUN}own-nr:` }),
      { test: it, describe },
    )
  })

  describe('through a SessionManager', () => {
    redisManagerScenarios({
      makeStore: (p) => new RedisStore({ cluster: cluster.nodes, prefix: p }),
      dump: (p) => dumpPrefix(masters(), admin, p),
      prefix,
    })
  })

  it('works when a session and its user index live in different slots (and on different masters)', async () => {
    const p = prefix('slots')
    const store = new RedisStore({ client: ioredisCluster, prefix: p })
    try {
      expect(store.isCluster).toBe(true)
      const slotOf = async (key: string) => Number(await admin.cluster('KEYSLOT', key))
      const ownerOf = async (key: string) => {
        const slot = await slotOf(key)
        const ranges = await admin.cluster('SLOTS')
        const range = ranges.find(([from, to]) => slot >= from && slot <= to)
        return range?.[2]?.[1]
      }
      const first = `user-${generateId().slice(0, 8)}`
      const second = `user-${generateId().slice(0, 8)}`
      // Pick a session key that is on another master than both users' indexes.
      let key = hashId(generateId())
      for (let i = 0; i < 100; i++) {
        const node = await ownerOf(`${p}s:${key}`)
        if (
          node !== (await ownerOf(indexKey(p, first))) &&
          node !== (await ownerOf(indexKey(p, second)))
        ) {
          break
        }
        key = hashId(generateId())
      }
      expect(await slotOf(`${p}s:${key}`)).not.toBe(await slotOf(indexKey(p, first)))
      expect(await ownerOf(`${p}s:${key}`)).not.toBe(await ownerOf(indexKey(p, first)))

      const now = Date.now()
      const written = record({ userId: first })
      await store.set(key, written)
      expect(await store.get(key, now)).toEqual(written)
      const keysOf = (list: KeyedRecord[]) => list.map((entry) => entry.key)
      expect(keysOf(await store.listByUser(first, now))).toEqual([key])

      const patch = {
        set: { step: 2 },
        remove: ['cart'],
        updatedAt: now + 1,
        lastSeenAt: now + 1,
        // Past the index's cover, so the patch must raise the index (another slot) first.
        expiresAt: written.expiresAt + 7_200_000,
      }
      expect(await store.patch(key, patch, now + 1)).toBe(true)
      expect(Number(await admin.zscore(indexKey(p, first), key))).toBeGreaterThanOrEqual(
        patch.expiresAt,
      )
      expect(
        await store.touch(key, { lastSeenAt: now + 2, expiresAt: patch.expiresAt }, now + 2),
      ).toBe(true)
      expect(await store.patch(key, { ...patch, meta: { userId: second } }, now + 3)).toBe(true)
      expect(await store.listByUser(first, now + 3)).toEqual([])
      expect(keysOf(await store.listByUser(second, now + 3))).toEqual([key])
      expect((await store.get(key, now + 3))?.data).toEqual({ step: 2 })

      expect(await store.destroyByUser(first)).toBe(0)
      expect(await store.destroyByUser(second)).toBe(1)
      expect(await store.get(key, now + 3)).toBeNull()
      expect(await store.patch(key, patch, now + 4)).toBe(false)
      expect(await admin.exists(`${p}s:${key}`)).toBe(0)

      const token = hashId(generateId())
      await store.putToken(token, { value: 'state', expiresAt: now + 60_000 })
      expect(await store.consumeToken(token, now)).toBe('state')
      expect(await store.consumeToken(token, now)).toBeNull()
    } finally {
      await store.close()
    }
  })

  it('iterates and cleans up across every master', async () => {
    const p = prefix('scan')
    const store = openStore(`${cluster.url}?prefix=${encodeURIComponent(p)}`) as RedisStore
    try {
      expect(store.isCluster).toBe(true)
      const now = Date.now()
      const user = `user-${generateId().slice(0, 8)}`
      const keys = Array.from({ length: 30 }, () => hashId(generateId()))
      for (const [i, key] of keys.entries()) {
        await store.set(key, record({ userId: i % 2 ? user : null, expiresAt: now + 120_000 }))
      }
      const holders = await Promise.all(
        masters().map(async (node) => (await node.scan('0', 'MATCH', `${p}s:*`, 'COUNT', 1000))[1]),
      )
      expect(holders.filter((found) => found.length > 0).length).toBeGreaterThan(1)

      const seen: string[] = []
      for await (const entry of store.entries(now)) seen.push(entry.key)
      expect(seen.sort()).toEqual([...keys].sort())

      expect(await store.cleanup(now)).toBe(0)
      expect(await store.cleanup(now + 120_000)).toBe(30)
      expect(await store.listByUser(user, now)).toEqual([])
      expect((await dumpPrefix(masters(), admin, p)).map((k) => k.key)).toEqual([])
    } finally {
      await store.close()
    }
  })
})
