import { createHash, randomBytes } from 'node:crypto'
import { parseSetCookie } from 'cookie'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deletePrefix,
  dumpPrefix,
  redisManagerScenarios,
} from '../../test/support/redis-scenarios.js'
import { redisServerInstalled, startRedisServer } from '../../test/support/redis-server.js'
import { decideGate, describeWithService, requireService } from '../../test/support/services.js'
import { startTcpProxy } from '../../test/support/tcp-proxy.js'
import {
  InvalidConfigError,
  MissingDependencyError,
  StoreError,
  StoreUnavailableError,
} from '../core/errors.js'
import { generateId, hashId } from '../core/ids.js'
import { SessionManager } from '../core/manager.js'
import type { SessionRecord } from '../core/store.js'
import { testStore } from '../testing/index.js'
import { openStore } from './open-store.js'
import { RedisStore, type RedisStoreOptions } from './redis.js'
import type { RedisConnection } from './redis-client.js'
import { clientKind } from './redis-client.js'
import { parseClusterUrl } from './redis-cluster.js'
import { RedisCommands } from './redis-commands.js'
import { loadRedisDriver } from './redis-driver.js'
import { isNoScript, toStoreError } from './redis-errors.js'
import { decodeRecord, decodeToken, encodeToken } from './redis-record.js'

const HOST = '127.0.0.1'
const PORT = 6379
const URL = `redis://${HOST}:${PORT}`
/** Every key this file writes on the shared server starts with this; afterAll deletes them. */
const RUN = `sessionkit-test:${process.pid}-${Date.now().toString(36)}:`
/** A limit the held-out check also uses: detection and recovery each within 5 s. */
const FIVE_SECONDS = 5000

const gate = await requireService('Redis', HOST, PORT)
const serverGate = decideGate(
  'redis-server (to start private Redis servers)',
  redisServerInstalled(),
)

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

/** The user index's name, as the store derives it. */
function indexKey(storePrefix: string, userId: string): string {
  return `${storePrefix}u:${createHash('sha256').update(userId).digest('base64url')}`
}

function cookiePair(setCookie: string[]): string {
  const parsed = parseSetCookie(setCookie.at(-1) ?? '')
  return `${parsed.name}=${parsed.value}`
}

/** Calls `attempt` every 50 ms until it resolves; rejects with the last error after `limitMs`. */
async function until<T>(attempt: () => Promise<T>, limitMs: number): Promise<T> {
  const deadline = performance.now() + limitMs
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (performance.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** How long `promise` takes to settle, and how. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown; value?: T }> {
  const start = performance.now()
  try {
    const value = await promise
    return { ms: performance.now() - start, error: undefined, value }
  } catch (error) {
    return { ms: performance.now() - start, error }
  }
}

describeWithService(gate, 'RedisStore on a real Redis', () => {
  const admin = new Redis(URL, { lazyConnect: true })
  const ioredisClient = new Redis(URL, { lazyConnect: true })
  const nodeRedisClient = createClient({ url: URL })

  beforeAll(async () => {
    await admin.connect()
    await ioredisClient.connect()
    nodeRedisClient.on('error', () => {})
    await nodeRedisClient.connect()
  })

  afterAll(async () => {
    await deletePrefix([admin], RUN)
    ioredisClient.disconnect()
    await nodeRedisClient.close()
    admin.disconnect()
  })

  describe('conformance', () => {
    testStore('redis (ioredis, url)', () => new RedisStore({ url: URL, prefix: `${RUN}io:` }), {
      test: it,
      describe,
    })
    testStore(
      'redis (node-redis, url)',
      () => new RedisStore({ url: URL, prefix: `${RUN}nr:`, driver: 'redis' }),
      { test: it, describe },
    )
    testStore(
      'redis (your ioredis client)',
      () => new RedisStore({ client: ioredisClient, prefix: `${RUN}own-io:` }),
      { test: it, describe },
    )
    testStore(
      'redis (your node-redis client)',
      () => new RedisStore({ client: nodeRedisClient, prefix: `${RUN}own-nr:` }),
      { test: it, describe },
    )
  })

  describe.each([
    { name: 'ioredis url', make: (p: string) => new RedisStore({ url: URL, prefix: p }) },
    {
      name: 'your node-redis client',
      make: (p: string) => new RedisStore({ client: nodeRedisClient, prefix: p }),
    },
  ])('through a SessionManager ($name)', ({ make }) => {
    redisManagerScenarios({
      makeStore: make,
      dump: (p) => dumpPrefix([admin], admin, p),
      prefix,
    })
  })

  describe('key layout', () => {
    it('keeps a session in one hash with a TTL at its expiry, and hashes user IDs in index names', async () => {
      const p = prefix('layout')
      const store = new RedisStore({ url: URL, prefix: p })
      try {
        const key = hashId(generateId())
        const user = 'alice@example.com'
        const written = record({ userId: user, data: { 'a.b': 1, __x: [true] } })
        await store.set(key, written)
        expect(await admin.type(`${p}s:${key}`)).toBe('hash')
        expect(await admin.hgetall(`${p}s:${key}`)).toMatchObject({
          'd:a.b': '1',
          'd:__x': '[true]',
          'm:userId': JSON.stringify(user),
          'm:expiresAt': String(written.expiresAt),
        })
        const expiry = await admin.pexpiretime(`${p}s:${key}`)
        expect(expiry).toBe(written.expiresAt)

        const dumped = await dumpPrefix([admin], admin, p)
        expect(dumped.filter((k) => k.type === 'zset').map((k) => k.key)).toEqual([
          indexKey(p, user),
        ])
        expect(dumped.some((k) => k.key.includes(user))).toBe(false)
        // The index outlives its newest member.
        expect(await admin.pexpiretime(indexKey(p, user))).toBeGreaterThanOrEqual(written.expiresAt)

        const tokenKey = hashId(generateId())
        await store.putToken(tokenKey, { value: { returnTo: '/' }, expiresAt: written.expiresAt })
        expect(await admin.pexpiretime(`${p}t:${tokenKey}`)).toBe(written.expiresAt)
        expect(JSON.parse((await admin.get(`${p}t:${tokenKey}`)) ?? '')).toEqual({
          expiresAt: written.expiresAt,
          value: { returnTo: '/' },
        })
      } finally {
        await store.close()
      }
    })

    it('raises the user index before extending a session, and drops entries only after the session', async () => {
      const p = prefix('index')
      const store = new RedisStore({ url: URL, prefix: p })
      try {
        const key = hashId(generateId())
        const first = `user-${generateId().slice(0, 8)}`
        const second = `user-${generateId().slice(0, 8)}`
        const written = record({ userId: first })
        await store.set(key, written)
        const indexOf = async (user: string) => {
          const listed = await store.listByUser(user, Date.now())
          return listed.map((entry) => entry.key)
        }
        const scoreIn = async (user: string) => Number(await admin.zscore(indexKey(p, user), key))
        // A touch far past the index's cover raises the index first.
        const later = written.expiresAt + 5 * 3_600_000
        expect(
          await store.touch(key, { lastSeenAt: Date.now(), expiresAt: later }, Date.now()),
        ).toBe(true)
        expect(await scoreIn(first)).toBeGreaterThanOrEqual(later)
        expect(await admin.pexpiretime(`${p}s:${key}`)).toBe(later)
        // The session records the cover, so the next touch within it needs no index write.
        expect(Number(await admin.hget(`${p}s:${key}`, 'x:indexed'))).toBe(await scoreIn(first))

        // Moving the session to another user lists it there only.
        const moved = {
          set: {},
          remove: [],
          updatedAt: Date.now(),
          lastSeenAt: Date.now(),
          expiresAt: later,
        }
        expect(await store.patch(key, { ...moved, meta: { userId: second } }, Date.now())).toBe(
          true,
        )
        expect(await indexOf(first)).toEqual([])
        expect(await indexOf(second)).toEqual([key])

        await store.destroy(key)
        expect(await indexOf(second)).toEqual([])
        // Both index keys are gone: the destroyed session's entry went after it.
        expect((await dumpPrefix([admin], admin, p)).filter((k) => k.type === 'zset')).toEqual([])
      } finally {
        await store.close()
      }
    })

    it('creates no key at all (not even an index entry) for a patch or touch of a missing session', async () => {
      const p = prefix('missing')
      const store = new RedisStore({ url: URL, prefix: p })
      try {
        const key = hashId(generateId())
        const now = Date.now()
        const patch = {
          set: { a: 1 },
          remove: [],
          updatedAt: now,
          lastSeenAt: now,
          expiresAt: now + 60_000,
        }
        expect(await store.patch(key, patch, now)).toBe(false)
        expect(await store.touch(key, { lastSeenAt: now, expiresAt: now + 60_000 }, now)).toBe(
          false,
        )
        const login = { ...patch, meta: { userId: 'someone' } }
        expect(await store.patch(key, login, now)).toBe(false)
        // Not even a user index entry.
        expect(await dumpPrefix([admin], admin, p)).toEqual([])
      } finally {
        await store.close()
      }
    })

    it('skips an index entry whose session is gone without removing it (it may be a session being created)', async () => {
      const p = prefix('dangling')
      const store = new RedisStore({ url: URL, prefix: p })
      try {
        const user = `user-${generateId().slice(0, 8)}`
        const live = hashId(generateId())
        await store.set(live, record({ userId: user }))
        const dangling = hashId(generateId())
        const index = indexKey(p, user)
        await admin.zadd(index, Date.now() + 600_000, dangling)
        expect((await store.listByUser(user, Date.now())).map((e) => e.key)).toEqual([live])
        expect(await admin.zscore(index, dangling)).not.toBeNull()
        // A revocation deletes only sessions it owns, and counts only those.
        expect(await store.destroyByUser(user)).toBe(1)
        // Entries past their score are trimmed as the index is read.
        expect(await store.listByUser(user, Date.now() + 700_000)).toEqual([])
        expect(await admin.exists(index)).toBe(0)
      } finally {
        await store.close()
      }
    })

    it('cleanup deletes sessions and tokens expired by its clock, unindexes them and counts sessions', async () => {
      const p = prefix('cleanup')
      const store = new RedisStore({ url: URL, prefix: p })
      try {
        const user = `user-${generateId().slice(0, 8)}`
        const now = Date.now()
        const soon = now + 120_000
        const expiring = [hashId(generateId()), hashId(generateId())]
        for (const key of expiring) await store.set(key, record({ userId: user, expiresAt: soon }))
        const anonymous = hashId(generateId())
        await store.set(anonymous, record({ expiresAt: soon }))
        const live = hashId(generateId())
        await store.set(live, record({ userId: user, expiresAt: now + 3_600_000 }))
        await store.putToken(hashId(generateId()), { value: 1, expiresAt: soon })

        expect(await store.cleanup(now)).toBe(0)
        expect(await store.cleanup(soon)).toBe(3)
        const keys = (await dumpPrefix([admin], admin, p)).map((k) => k.key)
        expect(keys.filter((k) => k.startsWith(`${p}s:`))).toEqual([`${p}s:${live}`])
        expect(keys.filter((k) => k.startsWith(`${p}t:`))).toEqual([])
        expect(keys.filter((k) => k.startsWith(`${p}u:`))).toEqual([indexKey(p, user)])
        expect(await admin.zrange(indexKey(p, user), '0', '-1')).toEqual([live])
      } finally {
        await store.close()
      }
    })
  })

  describe('options and clients', () => {
    it.each<[string, RedisStoreOptions]>([
      ['no connection option', {}],
      ['both url and client', { url: URL, client: {} as never }],
      ['a url of another scheme', { url: 'http://127.0.0.1:6379' }],
      ['an empty prefix', { url: URL, prefix: '' }],
      ['a prefix with a space', { url: URL, prefix: 'my app:' }],
      ['a zero commandTimeout', { url: URL, commandTimeout: 0 }],
      ['a malformed connectTimeout', { url: URL, connectTimeout: 'soon' as never }],
      ['an empty cluster', { cluster: [] }],
      ['a cluster node without a port', { cluster: ['10.0.0.1'] }],
      ['an unknown driver', { url: URL, driver: 'valkey' as never }],
      ['a driver with your own client', { client: ioredisClient, driver: 'redis' }],
      ['a password with a url', { url: URL, password: 'x' }],
      ['something that is not a client', { client: { on() {} } as never }],
    ])('rejects %s with InvalidConfigError', (_label, options) => {
      expect(() => new RedisStore(options)).toThrow(InvalidConfigError)
    })

    it('never echoes a URL (it may hold a password) in an option error', () => {
      let message = ''
      try {
        new RedisStore({ url: 'http://admin:hunter2@cache.internal:6379' })
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toContain('url')
      expect(message).not.toContain('hunter2')
    })

    it('tells the libraries apart by shape', () => {
      expect(clientKind(ioredisClient)).toBe('ioredis')
      expect(clientKind(nodeRedisClient)).toBe('node-redis')
      expect(clientKind({})).toBeNull()
      expect(clientKind(null)).toBeNull()
    })

    it('prefers ioredis, uses redis when asked, and names the missing package', () => {
      expect(new RedisStore({ url: URL, prefix: prefix('lib') }).library).toBe('ioredis')
      const nodeRedis = new RedisStore({ url: URL, prefix: prefix('lib'), driver: 'redis' })
      expect(nodeRedis.library).toBe('redis')
      const missing = (id: string): never => {
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
      }
      expect(() => loadRedisDriver(undefined, missing)).toThrow(MissingDependencyError)
      expect(() => loadRedisDriver(undefined, missing)).toThrow(/npm install ioredis/)
      expect(() => loadRedisDriver('redis', missing)).toThrow(/npm install redis/)
      const onlyRedis = (id: string) => (id === 'redis' ? { createClient() {} } : missing(id))
      expect(loadRedisDriver(undefined, onlyRedis).name).toBe('redis')
      return nodeRedis.close()
    })

    it('never quits your client: it still works after the store is closed', async () => {
      const listeners = ioredisClient.listenerCount('error')
      const store = new RedisStore({ client: ioredisClient, prefix: prefix('own') })
      expect(ioredisClient.listenerCount('error')).toBe(listeners + 1)
      await store.close()
      await store.close()
      expect(ioredisClient.listenerCount('error')).toBe(listeners)
      expect(await ioredisClient.ping()).toBe('PONG')
      await expect(store.get(hashId(generateId()), Date.now())).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )

      const nodeStore = new RedisStore({ client: nodeRedisClient, prefix: prefix('own') })
      await nodeStore.close()
      expect(await nodeRedisClient.ping()).toBe('PONG')
    })

    it('openStore builds a RedisStore from redis:, rediss: and redis-cluster: URLs with options', async () => {
      const p = prefix('url')
      const store = openStore(
        `${URL}/0?prefix=${encodeURIComponent(p)}&commandTimeout=1500ms&connectTimeout=2s`,
      )
      try {
        expect(store).toBeInstanceOf(RedisStore)
        expect((store as RedisStore).prefix).toBe(p)
        const key = hashId(generateId())
        await store.set(key, record())
        expect(await admin.exists(`${p}s:${key}`)).toBe(1)
        expect(await store.get(key, Date.now())).not.toBeNull()
      } finally {
        await store.close()
      }
      const tls = openStore('rediss://127.0.0.1:6379?driver=redis')
      expect((tls as RedisStore).library).toBe('redis')
      await tls.close()
      const cluster = openStore('redis-cluster://127.0.0.1:1,127.0.0.1:2?connectTimeout=200')
      expect((cluster as RedisStore).isCluster).toBe(true)
      await cluster.close()
      expect(() => openStore(`${URL}?maxEntries=5`)).toThrow(InvalidConfigError)
      expect(() => openStore('redis-cluster://10.0.0.1')).toThrow(InvalidConfigError)
      expect(() => openStore('redis-cluster:10.0.0.1:6379')).toThrow(InvalidConfigError)
    })

    it('reads credentials and IPv6 nodes from a redis-cluster: URL', () => {
      expect(parseClusterUrl('//app:s%40cret@[::1]:7000,10.0.0.2:7001/')).toEqual({
        nodes: [
          { host: '::1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
        username: 'app',
        password: 's@cret',
      })
      expect(parseClusterUrl('//:pw@h:1').username).toBeUndefined()
    })
  })
})

describeWithService(serverGate, 'RedisStore when the server fails', () => {
  describe.each(['ioredis', 'redis'] as const)('with %s', (driver) => {
    it('fails with StoreUnavailableError within 5 s of a crash and recovers within 5 s of a restart', async () => {
      const server = await startRedisServer()
      const store = new RedisStore({ url: `redis://${HOST}:${server.port}`, driver })
      const sessions = new SessionManager({
        store,
        secrets: [randomBytes(32).toString('base64url')],
        cookie: { secure: false },
        cleanupInterval: null,
      })
      try {
        const first = await sessions.load(undefined)
        first.set('step', 'before')
        const cookie = cookiePair(await sessions.commit(first))
        expect((await sessions.load(cookie)).get('step')).toBe('before')

        await server.kill()
        const down = await timed(sessions.load(cookie))
        expect(down.error).toBeInstanceOf(StoreUnavailableError)
        expect(down.ms).toBeLessThan(FIVE_SECONDS)
        // Still failing fast while it stays down, and never hanging.
        const again = await timed(sessions.load(cookie))
        expect(again.error).toBeInstanceOf(StoreUnavailableError)
        expect(again.ms).toBeLessThan(FIVE_SECONDS)

        await server.start()
        const back = await timed(
          until(async () => {
            const session = await sessions.load(undefined)
            session.set('step', 'after')
            const next = cookiePair(await sessions.commit(session))
            return (await sessions.load(next)).get('step')
          }, FIVE_SECONDS),
        )
        expect(back.error).toBeUndefined()
        expect(back.value).toBe('after')
        expect(back.ms).toBeLessThan(FIVE_SECONDS)
        console.info(
          `[redis ${driver}] crash detected in ${down.ms.toFixed(0)} ms (then ${again.ms.toFixed(0)} ms); recovered ${back.ms.toFixed(0)} ms after restart`,
        )
      } finally {
        await sessions.close()
        await server.stop()
      }
    })

    it('fails fast while a proxy in front of Redis is cut, and recovers when it is restored', async () => {
      const server = await startRedisServer()
      const proxy = await startTcpProxy(server.port)
      const store = new RedisStore({ url: `redis://${HOST}:${proxy.port}`, driver })
      try {
        const key = hashId(generateId())
        await store.set(key, record())
        await proxy.cut()
        const down = await timed(store.get(key, Date.now()))
        expect(down.error).toBeInstanceOf(StoreUnavailableError)
        expect(down.ms).toBeLessThan(FIVE_SECONDS)
        await proxy.restore()
        const back = await timed(until(() => store.get(key, Date.now()), FIVE_SECONDS))
        expect(back.value?.data).toEqual({ cart: ['sku-1'] })
        expect(back.ms).toBeLessThan(FIVE_SECONDS)
        console.info(
          `[redis ${driver}] proxy cut detected in ${down.ms.toFixed(0)} ms; recovered in ${back.ms.toFixed(0)} ms`,
        )
      } finally {
        await store.close()
        await proxy.close()
        await server.stop()
      }
    })

    it('gives up on a server that accepts connections but never answers, and recovers', async () => {
      const server = await startRedisServer()
      const proxy = await startTcpProxy(server.port)
      const store = new RedisStore({ url: `redis://${HOST}:${proxy.port}`, driver })
      try {
        const key = hashId(generateId())
        await store.set(key, record())
        // New connections hang from now on; cutting the old ones forces a reconnect into it.
        proxy.blackhole(true)
        await proxy.cut()
        await proxy.restore()
        // Calls right away, and once the client has connected into the black hole.
        const results = await Promise.all(
          [0, 500, 1500].map(async (delay) => {
            await new Promise((resolve) => setTimeout(resolve, delay))
            return timed(store.get(key, Date.now()))
          }),
        )
        for (const result of results) {
          expect(result.error).toBeInstanceOf(StoreUnavailableError)
          expect(result.ms).toBeLessThan(FIVE_SECONDS)
        }
        proxy.blackhole(false)
        const back = await timed(until(() => store.get(key, Date.now()), FIVE_SECONDS + 3000))
        expect(back.value?.data).toEqual({ cart: ['sku-1'] })
        console.info(
          `[redis ${driver}] black hole: calls failed in ${results.map((r) => r.ms.toFixed(0)).join(' / ')} ms; recovered in ${back.ms.toFixed(0)} ms`,
        )
      } finally {
        await store.close()
        await proxy.close()
        await server.stop()
      }
    })

    it('fails within the command timeout while Redis is frozen, and recovers when it thaws', async () => {
      const server = await startRedisServer()
      const store = new RedisStore({ url: `redis://${HOST}:${server.port}`, driver })
      try {
        const key = hashId(generateId())
        await store.set(key, record())
        server.pause()
        const frozen = await timed(store.get(key, Date.now()))
        expect(frozen.error).toBeInstanceOf(StoreUnavailableError)
        expect(frozen.ms).toBeLessThan(FIVE_SECONDS)
        server.resume()
        const back = await timed(until(() => store.get(key, Date.now()), FIVE_SECONDS))
        expect(back.value?.data).toEqual({ cart: ['sku-1'] })
        console.info(
          `[redis ${driver}] freeze detected in ${frozen.ms.toFixed(0)} ms; recovered in ${back.ms.toFixed(0)} ms`,
        )
      } finally {
        server.resume()
        await store.close()
        await server.stop()
      }
    })

    it('works once Redis comes up, when it was down as the store was built', async () => {
      const server = await startRedisServer()
      await server.kill()
      const store = new RedisStore({ url: `redis://${HOST}:${server.port}`, driver })
      try {
        const down = await timed(store.get(hashId(generateId()), Date.now()))
        expect(down.error).toBeInstanceOf(StoreUnavailableError)
        expect(down.ms).toBeLessThan(FIVE_SECONDS)
        await server.start()
        const key = hashId(generateId())
        const back = await timed(until(() => store.set(key, record()), FIVE_SECONDS))
        expect(back.error).toBeUndefined()
        expect(await store.get(key, Date.now())).not.toBeNull()
      } finally {
        await store.close()
        await server.stop()
      }
    })
  })

  it('sends each script as EVAL the first time, to a server that has none cached', async () => {
    // A fresh server (never SCRIPT FLUSH on the shared one: other suites use its cache).
    const server = await startRedisServer()
    const store = new RedisStore({ url: `redis://${HOST}:${server.port}` })
    try {
      const key = hashId(generateId())
      const written = record({ userId: null })
      await store.set(key, written)
      const times = { lastSeenAt: Date.now(), expiresAt: written.expiresAt + 1000 }
      expect(await store.touch(key, times, Date.now())).toBe(true)
      const patch = { set: { step: 2 }, remove: [], updatedAt: Date.now(), ...times }
      expect(await store.patch(key, patch, Date.now())).toBe(true)
      expect((await store.get(key, Date.now()))?.data).toMatchObject({ step: 2 })
    } finally {
      await store.close()
      await server.stop()
    }
  })

  it('bounds every call even with your own default-configured ioredis client', async () => {
    const server = await startRedisServer()
    // ioredis's defaults queue commands for ~20 reconnect attempts; the store's deadline wins.
    const client = new Redis(`redis://${HOST}:${server.port}`)
    const store = new RedisStore({ client, commandTimeout: '1s' })
    try {
      const key = hashId(generateId())
      await store.set(key, record())
      await server.kill()
      const down = await timed(store.get(key, Date.now()))
      expect(down.error).toBeInstanceOf(StoreUnavailableError)
      expect(down.ms).toBeLessThan(2000)
      await server.start()
      await until(() => store.set(key, record()), FIVE_SECONDS + 5000)
    } finally {
      await store.close()
      client.disconnect()
      await server.stop()
    }
  })
})

describe('Redis store internals (no server needed)', () => {
  class ReplyError extends Error {
    override name = 'ReplyError'
  }

  it('maps transient replies and connection failures to StoreUnavailableError, the rest to StoreError', () => {
    for (const message of [
      'LOADING Redis is loading',
      'CLUSTERDOWN The cluster is down',
      'BUSY script',
    ]) {
      expect(toStoreError('get', new ReplyError(message))).toBeInstanceOf(StoreUnavailableError)
    }
    for (const message of [
      'WRONGTYPE Operation against a key',
      'NOPERM no',
      'ERR unknown command',
    ]) {
      const mapped = toStoreError('get', new ReplyError(message))
      expect(mapped).toBeInstanceOf(StoreError)
      expect(mapped).not.toBeInstanceOf(StoreUnavailableError)
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
      code: 'ECONNREFUSED',
    })
    const mapped = toStoreError('set', refused)
    expect(mapped).toBeInstanceOf(StoreUnavailableError)
    expect(mapped.message).toContain('ECONNREFUSED')
    expect(mapped.message).not.toContain('127.0.0.1')
    expect(toStoreError('get', new Error('Connection is closed.'))).toBeInstanceOf(
      StoreUnavailableError,
    )
    expect(toStoreError('get', new TypeError('bad'))).toBeInstanceOf(StoreError)
    expect(isNoScript(new ReplyError('NOSCRIPT No matching script'))).toBe(true)
    expect(isNoScript(new Error('NOSCRIPT but not a reply'))).toBe(false)
  })

  it('bounds a command that never answers, without an unhandled rejection when it fails later', async () => {
    let fail: (error: Error) => void = () => {}
    const never = new Promise<never>((_, reject) => {
      fail = reject
    })
    const replies: Promise<unknown>[] = [never, Promise.resolve(7)]
    const connection: RedisConnection = {
      library: 'ioredis',
      isCluster: false,
      send: () => replies.shift() ?? Promise.resolve(null),
      masters: async () => [],
      stalled: () => {},
      close: async () => {},
    }
    const commands = new RedisCommands(connection, 50)
    const result = await timed(commands.send('get', ['GET', 'k'], 'k'))
    expect(result.error).toBeInstanceOf(StoreUnavailableError)
    expect(result.ms).toBeLessThan(1000)
    fail(new Error('late'))
    expect(await commands.send('get', ['GET', 'k'], 'k')).toBe(7)
    await commands.close()
    await expect(commands.send('get', ['GET', 'k'], 'k')).rejects.toBeInstanceOf(
      StoreUnavailableError,
    )
  })

  it('reads a session hash in every shape the libraries return, and refuses malformed ones', () => {
    const fields = [
      ['d:cart', '["sku-1"]'],
      ['d:__proto__', '{"polluted":true}'],
      ['m:userId', '"u-1"'],
      ['m:tenantId', 'null'],
      ['m:ip', 'null'],
      ['m:userAgent', '"UA"'],
      ['m:createdAt', '1'],
      ['m:updatedAt', '2'],
      ['m:lastSeenAt', '3'],
      ['m:expiresAt', '4.5'],
      ['x:indexed', '3600004'],
    ] as const
    const expected = {
      data: JSON.parse('{"cart":["sku-1"],"__proto__":{"polluted":true}}'),
      userId: 'u-1',
      tenantId: null,
      ip: null,
      userAgent: 'UA',
      createdAt: 1,
      updatedAt: 2,
      lastSeenAt: 3,
      expiresAt: 4.5,
    }
    expect(decodeRecord(fields.flat())).toEqual(expected)
    expect(decodeRecord(new Map(fields))).toEqual(expected)
    expect(decodeRecord(Object.fromEntries(fields))).toEqual(expected)
    const decoded = decodeRecord(fields.flat())
    expect(Object.getPrototypeOf(decoded?.data)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()

    expect(decodeRecord([])).toBeNull()
    expect(decodeRecord(null)).toBeNull()
    expect(decodeRecord(['m:userId'])).toBeNull()
    expect(decodeRecord(fields.flat().map((v) => (v === '4.5' ? 'soon' : v)))).toBeNull()
    expect(decodeRecord(fields.flat().map((v) => (v === '"u-1"' ? '42' : v)))).toBeNull()
    expect(decodeRecord(fields.filter(([f]) => f !== 'm:expiresAt').flat())).toBeNull()

    expect(decodeToken(encodeToken({ a: [1] }, 100), 99)).toEqual({ a: [1] })
    expect(decodeToken(encodeToken('x', 100), 100)).toBeNull()
    expect(decodeToken('not json', 0)).toBeNull()
    expect(decodeToken(null, 0)).toBeNull()
  })
})
