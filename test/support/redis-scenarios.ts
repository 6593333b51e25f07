/**
 * SessionManager-level checks of a Redis store, shared by the single-server and the cluster
 * tests: no lost updates, the auth-storage API, devices and revocation, revocation racing
 * in-flight patches, and no raw session ID anywhere in Redis.
 */
import { randomBytes } from 'node:crypto'
import { parseSetCookie } from 'cookie'
import type { Cluster, Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { SessionManager } from '../../src/index.js'
import type { RedisStore } from '../../src/stores/redis.js'

/** One Redis key with everything it holds, as text (and its DUMP, for binary encodings). */
export interface DumpedKey {
  key: string
  type: string
  content: string
}

/** What a scenario needs from the test file. */
export interface RedisScenarioTarget {
  /** A fresh store under `prefix`. */
  makeStore(prefix: string): RedisStore
  /** Every key under `prefix` with its content (SCAN on every master + HGETALL/ZRANGE/GET/DUMP). */
  dump(prefix: string): Promise<DumpedKey[]>
  /** A prefix no other test uses. */
  prefix(name: string): string
}

/**
 * Every key under `prefix`: SCAN on each of `nodes` (every master of a cluster), then read each
 * key whole through `reader` (which routes by key) and DUMP it, so an ID hidden in any
 * encoding would show.
 */
export async function dumpPrefix(
  nodes: readonly Redis[],
  reader: Redis | Cluster,
  prefix: string,
): Promise<DumpedKey[]> {
  const keys: string[] = []
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
  }
  const dumped: DumpedKey[] = []
  for (const key of new Set(keys)) {
    const type = await reader.type(key)
    let text: string
    if (type === 'hash') text = JSON.stringify(await reader.hgetall(key))
    else if (type === 'zset') text = (await reader.zrange(key, '0', '-1', 'WITHSCORES')).join('\n')
    else if (type === 'string') text = (await reader.get(key)) ?? ''
    else text = ''
    const raw = (await reader.dumpBuffer(key))?.toString('latin1') ?? ''
    dumped.push({ key, type, content: `${text}\n${raw}` })
  }
  return dumped
}

/** Deletes every key under `prefix` on each of `nodes` (SCAN, never KEYS). */
export async function deletePrefix(nodes: readonly Redis[], prefix: string): Promise<void> {
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      // One DEL per key: on a cluster node a multi-key DEL across slots is refused.
      for (const key of keys) await node.del(key)
    } while (cursor !== '0')
  }
}

function cookiePair(setCookie: string[]): string {
  const parsed = parseSetCookie(setCookie.at(-1) ?? '')
  return `${parsed.name}=${parsed.value}`
}

function manager(store: RedisStore): SessionManager {
  return new SessionManager({
    store,
    secrets: [randomBytes(32).toString('base64url')],
    cookie: { secure: false },
    idleTimeout: '30m',
    cleanupInterval: null,
  })
}

/** The raw session ID inside a signed cookie value (`<id>.<signature>`). */
function idOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
  return value.slice(0, value.indexOf('.') === -1 ? undefined : value.indexOf('.'))
}

/** Registers the scenarios with vitest's `it`. */
export function redisManagerScenarios(target: RedisScenarioTarget): void {
  it('keeps all 200 keys after 200 concurrent load / set / commit cycles on one session', async () => {
    const sessions = manager(target.makeStore(target.prefix('concurrent')))
    try {
      const first = await sessions.load(undefined)
      first.set('owner', 'test')
      const cookie = cookiePair(await sessions.commit(first))
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const session = await sessions.load(cookie)
          session.set(`key-${i}`, i)
          await sessions.commit(session)
        }),
      )
      const final = await sessions.load(cookie)
      expect(final.isNew).toBe(false)
      expect(final.keys()).toHaveLength(201)
      for (let i = 0; i < 200; i++) expect(final.get(`key-${i}`)).toBe(i)
    } finally {
      await sessions.close()
    }
  })

  it('serves the auth-storage API: create, look up, delete one, delete all of a user', async () => {
    const sessions = manager(target.makeStore(target.prefix('auth')))
    try {
      const user = `user-${randomBytes(6).toString('hex')}`
      const ids = await Promise.all([1, 2, 3].map(() => sessions.createSessionForUser(user)))
      for (const id of ids) expect(await sessions.getUserIdFromSessionId(id)).toBe(user)
      expect(await sessions.getUserIdFromSessionId('x'.repeat(43))).toBeNull()

      const [gone, ...rest] = ids as [string, ...string[]]
      await sessions.deleteSession(gone)
      expect(await sessions.getUserIdFromSessionId(gone)).toBeNull()
      expect(await sessions.listUserSessions(user)).toHaveLength(2)

      expect(await sessions.deleteSessionsByUserId(user)).toBe(2)
      for (const id of rest) expect(await sessions.getUserIdFromSessionId(id)).toBeNull()
      expect(await sessions.listUserSessions(user)).toEqual([])
      expect(await sessions.deleteSessionsByUserId(user)).toBe(0)
    } finally {
      await sessions.close()
    }
  })

  it('lists a user’s devices and revokes all but the current one', async () => {
    const sessions = manager(target.makeStore(target.prefix('devices')))
    try {
      const user = `user-${randomBytes(6).toString('hex')}`
      const devices: string[] = []
      for (const agent of ['laptop', 'phone', 'tablet']) {
        const session = await sessions.load({ userAgent: agent })
        await session.login(user)
        devices.push(cookiePair(await sessions.commit(session)))
      }
      const current = await sessions.load(devices[0])
      const listed = await sessions.listUserSessions(user, { current })
      expect(listed.map((d) => d.userAgent).sort()).toEqual(['laptop', 'phone', 'tablet'])
      expect(listed.filter((d) => d.current).map((d) => d.userAgent)).toEqual(['laptop'])

      expect(await sessions.revokeUserSessions(user, { except: current })).toBe(2)
      expect((await sessions.listUserSessions(user)).map((d) => d.userAgent)).toEqual(['laptop'])
      expect((await sessions.load(devices[1])).isNew).toBe(true)
      expect((await sessions.load(devices[2])).isNew).toBe(true)
      expect((await sessions.load(devices[0])).userId).toBe(user)

      // Logging out on the last device empties the list.
      const last = await sessions.load(devices[0])
      await last.logout()
      expect(await sessions.listUserSessions(user)).toEqual([])
    } finally {
      await sessions.close()
    }
  })

  it('revokes a user while 50 patches are in flight: no session key survives, the list is empty', async () => {
    const prefix = target.prefix('race')
    const sessions = manager(target.makeStore(prefix))
    try {
      const user = `user-${randomBytes(6).toString('hex')}`
      const cookies: string[] = []
      for (let device = 0; device < 5; device++) {
        const session = await sessions.load(undefined)
        await session.login(user)
        cookies.push(cookiePair(await sessions.commit(session)))
      }
      // Load first, so every commit below is a patch of a session that existed when it began.
      const loaded = await Promise.all(
        Array.from({ length: 50 }, (_, i) => sessions.load(cookies[i % cookies.length])),
      )
      for (const [i, session] of loaded.entries()) session.set(`k${i}`, i)
      const commits = loaded.map((session) => sessions.commit(session))
      const revoked = sessions.revokeUserSessions(user)
      const outcomes = await Promise.allSettled([...commits, revoked])
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
      expect(await revoked).toBeGreaterThanOrEqual(0)

      const sessionKeys = (await target.dump(prefix)).filter((k) => k.key.startsWith(`${prefix}s:`))
      expect(sessionKeys).toEqual([])
      expect(await sessions.listUserSessions(user)).toEqual([])
      for (const cookie of cookies) expect((await sessions.load(cookie)).isNew).toBe(true)
    } finally {
      await sessions.close()
    }
  })

  it('writes no raw session ID into any Redis key or value', async () => {
    const prefix = target.prefix('raw-ids')
    const sessions = manager(target.makeStore(prefix))
    try {
      const user = `user-${randomBytes(6).toString('hex')}`
      const rawIds: string[] = []
      for (let i = 0; i < 3; i++) {
        const session = await sessions.load(undefined)
        session.set('cart', [`sku-${i}`])
        if (i > 0) await session.login(user)
        const cookie = cookiePair(await sessions.commit(session))
        rawIds.push(idOf(cookie))
      }
      rawIds.push(await sessions.createSessionForUser(user, { data: { via: 'auth-api' } }))
      const dumped = await target.dump(prefix)
      expect(dumped.filter((k) => k.type === 'hash')).toHaveLength(4)
      expect(dumped.filter((k) => k.type === 'zset')).toHaveLength(1)
      for (const id of rawIds) {
        expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
        for (const { key, content } of dumped) {
          expect(key).not.toContain(id)
          expect(content).not.toContain(id)
        }
      }
      expect(dumped.some((k) => k.content.includes(user))).toBe(true)
      // The user ID is in the session's metadata, never in a key name.
      expect(dumped.every((k) => !k.key.includes(user))).toBe(true)
    } finally {
      await sessions.close()
    }
  })
}
