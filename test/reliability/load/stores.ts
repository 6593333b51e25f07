/**
 * The server-side stores the load tests run on, each on a real engine under names of this run
 * only (a temp dir, a PostgreSQL schema, a MariaDB table prefix, a Redis key prefix, a private
 * Redis Cluster), so the tests can share the services with everything else and clean up after
 * themselves. The sealed cookie store is deliberately absent: see docs/load-testing.md.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import type { Store } from '../../../src/core/store.js'
import { FileStore } from '../../../src/stores/file.js'
import { MemoryStore } from '../../../src/stores/memory.js'
import { MysqlStore } from '../../../src/stores/mysql.js'
import { PostgresStore } from '../../../src/stores/postgres.js'
import { RedisStore } from '../../../src/stores/redis.js'
import { SqliteStore } from '../../../src/stores/sqlite.js'
import { type RedisClusterHandle, startRedisCluster } from '../../support/redis-cluster.js'
import { deletePrefix } from '../../support/redis-scenarios.js'
import { redisServerInstalled } from '../../support/redis-server.js'
import { decideGate, type GateDecision, requireService } from '../../support/services.js'

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test'
export const REDIS_URL = 'redis://127.0.0.1:6379'

/** A store kind on its engine: opens any number of stores over one place, removes it at the end. */
export interface LoadStore {
  readonly name: string
  /** Whether the engine is here (see test/support/services.ts). */
  gate(): Promise<GateDecision>
  /** Prepares the engine (starts the cluster); called once before the first open. */
  setUp(): Promise<void>
  /** A new store over this run's place. The caller closes it. */
  open(): Store
  /** Removes everything this run wrote, and stops what setUp started. */
  tearDown(): Promise<void>
}

/** A name part no other run (nor any other helper on the shared servers) uses. */
export const RUN = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`

const always = async (): Promise<GateDecision> => ({ run: true })
const nothing = async (): Promise<void> => {}

function tempDirStore(name: string, open: (dir: string) => Store): LoadStore {
  let dir: string | undefined
  return {
    name,
    gate: always,
    setUp: async () => {
      dir = mkdtempSync(join(tmpdir(), `sessionkit-load-${name}-`))
    },
    open: () => {
      if (dir === undefined) throw new Error(`${name}: setUp() was not called`)
      return open(dir)
    },
    tearDown: async () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function memoryStore(): LoadStore {
  return {
    name: 'memory',
    gate: always,
    setUp: nothing,
    open: () => new MemoryStore(),
    tearDown: nothing,
  }
}

export const fileStore = (): LoadStore =>
  tempDirStore('file', (dir) => new FileStore({ dir: join(dir, 'sessions') }))

export const sqliteStore = (): LoadStore =>
  tempDirStore('sqlite', (dir) => new SqliteStore({ path: join(dir, 'sessions.db') }))

export function postgresStore(): LoadStore {
  const schema = `sk_load_${RUN}`
  return {
    name: 'postgres',
    gate: () => requireService('PostgreSQL', '127.0.0.1', 5432),
    setUp: nothing,
    open: () => new PostgresStore({ url: POSTGRES_URL, schema }),
    tearDown: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

export function mysqlStore(): LoadStore {
  const tablePrefix = `sk_load_${RUN}_`
  return {
    name: 'mysql',
    gate: () => requireService('MariaDB', '127.0.0.1', 3306),
    setUp: nothing,
    open: () => new MysqlStore({ url: MYSQL_URL, tablePrefix }),
    tearDown: async () => {
      const connection = await createConnection({ uri: MYSQL_URL })
      try {
        const tables = ['sessions', 'tokens', 'meta'].map((t) => `\`${tablePrefix}${t}\``)
        await connection.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`)
      } finally {
        await connection.end()
      }
    },
  }
}

export function redisStore(): LoadStore {
  const prefix = `sessionkit-load:${RUN}:`
  return {
    name: 'redis',
    gate: () => requireService('Redis', '127.0.0.1', 6379),
    setUp: nothing,
    open: () => new RedisStore({ url: REDIS_URL, prefix }),
    tearDown: async () => {
      const admin = new Redis(REDIS_URL)
      try {
        await deletePrefix([admin], prefix)
      } finally {
        admin.disconnect()
      }
    },
  }
}

/** A private three-master cluster, started once (setUp) for everything that uses it. */
export function redisClusterStore(): LoadStore {
  let cluster: RedisClusterHandle | undefined
  return {
    name: 'redis-cluster',
    gate: async () => decideGate('redis-server (for Redis Cluster)', redisServerInstalled()),
    setUp: async () => {
      cluster = await startRedisCluster()
    },
    open: () => {
      if (cluster === undefined) throw new Error('redis-cluster: setUp() was not called')
      return new RedisStore({ cluster: cluster.nodes, prefix: `sessionkit-load:${RUN}:` })
    },
    // The cluster is this run's own: stopping it removes every key with it.
    tearDown: async () => {
      await cluster?.stop()
    },
  }
}

/** Every server-side store, in the order the matrix runs them. */
export function serverStores(): LoadStore[] {
  return [
    memoryStore(),
    fileStore(),
    sqliteStore(),
    postgresStore(),
    mysqlStore(),
    redisStore(),
    redisClusterStore(),
  ]
}
