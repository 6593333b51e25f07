/**
 * Every built-in server-side store, opened on its real engine under names of this run's own
 * (a temp folder, a PostgreSQL schema, MySQL table prefix, Redis key prefix), and removed again
 * by `drop()`. Server stores are gated through test/support/services.ts: a visible skip on a
 * laptop, a failure under SESSIONKIT_REQUIRE_SERVICES=1.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createPool } from 'mysql2/promise'
import pg from 'pg'
import type { Store } from '../../../src/core/store.js'
import { FileStore } from '../../../src/stores/file.js'
import { MemoryStore } from '../../../src/stores/memory.js'
import { MysqlStore } from '../../../src/stores/mysql.js'
import { PostgresStore } from '../../../src/stores/postgres.js'
import { RedisStore } from '../../../src/stores/redis.js'
import { SqliteStore } from '../../../src/stores/sqlite.js'
import { deletePrefix } from '../../support/redis-scenarios.js'
import { type GateDecision, requireService } from '../../support/services.js'

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'
const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test'
const REDIS_URL = 'redis://127.0.0.1:6379'

/** A store on its engine, and how to remove everything it wrote. */
export interface OpenedStore {
  store: Store
  /** Closes the store and removes its folder, schema, tables or keys. */
  drop(): Promise<void>
}

/** One row of the matrix. */
export interface StoreKind {
  name: string
  gate: GateDecision
  open(label: string): Promise<OpenedStore>
}

const run = randomBytes(3).toString('hex')
const RUN_ALWAYS: GateDecision = { run: true }

function local(make: (dir: string) => Store): (label: string) => Promise<OpenedStore> {
  return async (label) => {
    const dir = mkdtempSync(join(tmpdir(), `sessionkit-${label}-`))
    const store = make(dir)
    return {
      store,
      drop: async () => {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}

/** The matrix; the server rows probe their engine once, when this is called. */
export async function storeKinds(): Promise<StoreKind[]> {
  const [postgres, mysql, redis] = await Promise.all([
    requireService('PostgreSQL', '127.0.0.1', 5432),
    requireService('MariaDB', '127.0.0.1', 3306),
    requireService('Redis', '127.0.0.1', 6379),
  ])
  return [
    {
      name: 'memory',
      gate: RUN_ALWAYS,
      open: local(() => new MemoryStore({ sweepInterval: 0 })),
    },
    { name: 'file', gate: RUN_ALWAYS, open: local((dir) => new FileStore({ dir })) },
    {
      name: 'sqlite',
      gate: RUN_ALWAYS,
      open: local((dir) => new SqliteStore({ path: join(dir, 'sessions.db') })),
    },
    {
      name: 'postgres',
      gate: postgres,
      open: async (label) => {
        const schema = `sk_hostile_${run}_${label}`
        const store = new PostgresStore({ url: POSTGRES_URL, schema })
        return {
          store,
          drop: async () => {
            await store.close()
            const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
            await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
            await admin.end()
          },
        }
      },
    },
    {
      name: 'mysql',
      gate: mysql,
      open: async (label) => {
        const tablePrefix = `skh_${run}_${label}_`
        const store = new MysqlStore({ url: MYSQL_URL, tablePrefix })
        return {
          store,
          drop: async () => {
            await store.close()
            const admin = createPool({ uri: MYSQL_URL, connectionLimit: 1 })
            const tables = ['sessions', 'tokens', 'meta'].map((t) => `\`${tablePrefix}${t}\``)
            await admin.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`)
            await admin.end()
          },
        }
      },
    },
    {
      name: 'redis',
      gate: redis,
      open: async (label) => {
        const prefix = `sessionkit-hostile:${run}:${label}:`
        const store = new RedisStore({ url: REDIS_URL, prefix })
        return {
          store,
          drop: async () => {
            await store.close()
            const admin = new Redis(REDIS_URL)
            await deletePrefix([admin], prefix)
            admin.disconnect()
          },
        }
      },
    },
  ]
}
