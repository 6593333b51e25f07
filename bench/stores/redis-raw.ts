/**
 * The Redis store's round trips done with a bare ioredis client: HGETALL for get (the hash's
 * fields decoded from JSON), and for patch and touch one EVALSHA of the store's own update or
 * touch script (imported, so it is the same Lua) with the arguments the store sends.
 * @module
 */
import type { Cluster, Redis } from 'ioredis'
import type { JsonObject, JsonValue, SessionRecord } from '../../src/core/store.js'
import { TOUCH_SESSION, UPDATE_SESSION } from '../../src/stores/redis-lua.js'
import type { Fixture } from './fixture.js'
import type { Ops } from './types.js'

function decode(reply: unknown): SessionRecord | null {
  if (!Array.isArray(reply) || reply.length === 0) return null
  const data: JsonObject = {}
  const meta: Record<string, JsonValue> = {}
  for (let i = 0; i < reply.length; i += 2) {
    const name = String(reply[i])
    const value = JSON.parse(String(reply[i + 1])) as JsonValue
    if (name.startsWith('d:')) data[name.slice(2)] = value
    else if (name.startsWith('m:')) meta[name.slice(2)] = value
  }
  return {
    data,
    userId: meta.userId as string | null,
    tenantId: meta.tenantId as string | null,
    ip: meta.ip as string | null,
    userAgent: meta.userAgent as string | null,
    createdAt: meta.createdAt as number,
    updatedAt: meta.updatedAt as number,
    lastSeenAt: meta.lastSeenAt as number,
    expiresAt: meta.expiresAt as number,
  }
}

/** Raw operations on sessions stored under `prefix` by a RedisStore. */
export function rawRedisOps(client: Redis | Cluster, prefix: string, fixture: Fixture): Ops {
  const session = (i: number): string => `${prefix}s:${fixture.key(i)}`
  const now = String(fixture.now)
  const patch = async (i: number, updatedAt: string, pairs: string[]): Promise<boolean> => {
    const { lastSeenAt, expiresAt } = fixture.times(i)
    const reply = await client.call(
      'EVALSHA',
      UPDATE_SESSION.sha,
      '1',
      session(i),
      now,
      String(expiresAt),
      String(expiresAt),
      String(lastSeenAt),
      updatedAt,
      '',
      '',
      '0',
      '0',
      String(pairs.length / 2),
      '0',
      ...pairs,
    )
    return Array.isArray(reply) && reply[0] === 1
  }
  return {
    get: async (i) => {
      const record = decode(await client.call('HGETALL', session(i)))
      return record !== null && record.expiresAt > fixture.now ? record : null
    },
    patch: (i) => {
      const change = fixture.patch(i)
      const pairs = Object.entries(change.set).flatMap(([field, value]) => [
        `d:${field}`,
        JSON.stringify(value),
      ])
      return patch(i, String(change.updatedAt), pairs)
    },
    touch: async (i) => {
      const { lastSeenAt, expiresAt } = fixture.times(i)
      const reply = await client.call(
        'EVALSHA',
        TOUCH_SESSION.sha,
        '1',
        session(i),
        now,
        String(expiresAt),
        String(expiresAt),
        String(lastSeenAt),
        '',
        '0',
      )
      return Array.isArray(reply) && reply[0] === 1
    },
  }
}
