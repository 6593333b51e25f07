/**
 * PostgreSQL: sessionkit's PostgresStore beside pg running the store's own statements (taken
 * from the store's SQL module, so they are the same text), prepared per connection as the
 * store prepares them, on a pool of the same size, and
 * beside connect-pg-simple 10. Each run uses tables with a prefix of its own and drops them.
 * @module
 */
import connectPgSimple from 'connect-pg-simple'
import session from 'express-session'
import pg from 'pg'
import type { JsonObject, SessionRecord } from '../../src/core/store.js'
import { postgresTables } from '../../src/stores/postgres-schema.js'
import { postgresStatements } from '../../src/stores/postgres-sql.js'
import type { Fixture } from './fixture.js'
import { peerOps, seedPeer } from './peer.js'
import { openOrSkip, unreachable } from './server.js'
import type { Opened, Ops, StoreTarget } from './types.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
/** pg's default pool size (which the store's own pool has) and the store's connect timeout. */
const poolOptions: pg.PoolConfig = { connectionString: URL, max: 10, connectionTimeoutMillis: 3000 }

interface Row {
  data: string
  user_id: string | null
  tenant_id: string | null
  ip: string | null
  user_agent: string | null
  created_at: string
  updated_at: string
  last_seen_at: string
  expires_at: string
}

function toRecord(row: Row): SessionRecord {
  return {
    data: JSON.parse(row.data) as JsonObject,
    userId: row.user_id,
    tenantId: row.tenant_id,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
  }
}

function rawOps(pool: pg.Pool, prefix: string, fixture: Fixture): Ops {
  const sql = postgresStatements(postgresTables('public', prefix))
  const now = String(fixture.now)
  // Prepared once per connection, as the store prepares them: the same server-side work.
  const named = (name: string, text: string, values: unknown[]) => ({
    name: `bench_raw_${prefix}${name}`,
    text,
    values,
  })
  return {
    get: async (i) => {
      const result = await pool.query<Row>(named('get', sql.get, [fixture.key(i), now]))
      const row = result.rows[0]
      return row === undefined ? null : toRecord(row)
    },
    patch: async (i) => {
      const change = fixture.patch(i)
      const unchangedMeta = [false, null, false, null, false, null, false, null]
      const result = await pool.query(
        named('patch', sql.patch, [
          fixture.key(i),
          JSON.stringify(change.set),
          change.remove,
          ...unchangedMeta,
          String(change.updatedAt),
          String(change.lastSeenAt),
          String(change.expiresAt),
          now,
        ]),
      )
      return (result.rowCount ?? 0) > 0
    },
    touch: async (i) => {
      const times = fixture.times(i)
      const values = [fixture.key(i), String(times.lastSeenAt), String(times.expiresAt), now]
      const result = await pool.query(named('touch', sql.touch, values))
      return (result.rowCount ?? 0) > 0
    },
  }
}

export const postgresTarget: StoreTarget = {
  name: 'postgres',
  async open(fixture): Promise<Opened> {
    const down = await unreachable('127.0.0.1', 5432)
    if (down !== null) return { skip: down }
    const prefix = `bench_${fixture.tag}_`
    const store = openOrSkip(`${URL}?tablePrefix=${prefix}`)
    if ('skip' in store) return store
    const pool = new pg.Pool(poolOptions)
    const peerPool = new pg.Pool(poolOptions)
    const peerTable = `${prefix}connect_pg_simple`
    const PgStore = connectPgSimple(session)
    const peer = new PgStore({
      pool: peerPool,
      tableName: peerTable,
      createTableIfMissing: true,
      pruneSessionInterval: false,
    })
    const cleanup = async (): Promise<void> => {
      await store.close()
      for (const table of ['sessions', 'tokens', 'meta', 'connect_pg_simple']) {
        await pool.query(`DROP TABLE IF EXISTS "public"."${prefix}${table}"`)
      }
      await pool.end()
      await peerPool.end()
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
      raw: rawOps(pool, prefix, fixture),
      rawName: 'pg Pool, same SQL',
      peer: { name: 'connect-pg-simple 10', ops: peerOps(peer, fixture) },
      cleanup,
    }
  },
}
