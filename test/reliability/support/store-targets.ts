/**
 * The persistent stores a reliability test runs against, each as a store URL over a namespace of
 * its own (temp dir, PostgreSQL schema, MariaDB table prefix, Redis key prefix) so that it never
 * meets another helper's data on the shared servers, and a `drop()` that removes it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { type GateDecision, requireService } from '../../support/services.js'

export const HOST = '127.0.0.1'
export const POSTGRES_PORT = 5432
export const MARIADB_PORT = 3306
export const REDIS_PORT = 6379

/** A namespace created for one test, and how to remove it. */
export interface Namespace {
  /** A store URL for `openStore`, e.g. `postgres://…?schema=skrel_sigkill_ab12`. */
  readonly url: string
  drop(): Promise<void>
}

export interface StoreTarget {
  readonly name: 'file' | 'sqlite' | 'postgres' | 'mariadb' | 'redis' | 'memory'
  /** Whether the tests may run here (a server target is gated on its server answering). */
  readonly gate: GateDecision
  /**
   * A fresh namespace; `tag` ends up in its name so leftovers say who made them. `via` is a
   * port to put in the URL instead of the server's own (a proxy in front of it); `drop()`
   * always goes to the server directly.
   */
  namespace(tag: string, via?: number): Promise<Namespace>
}

const suffix = () => `${process.pid}_${randomBytes(4).toString('hex')}`

function tempDirTarget(name: 'file' | 'sqlite'): StoreTarget {
  return {
    name,
    gate: { run: true },
    async namespace(tag) {
      const dir = mkdtempSync(join(tmpdir(), `sessionkit-${tag}-${name}-`))
      return {
        url:
          name === 'file' ? `file:${join(dir, 'sessions')}` : `sqlite:${join(dir, 'sessions.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      }
    },
  }
}

function postgresTarget(gate: GateDecision): StoreTarget {
  return {
    name: 'postgres',
    gate,
    async namespace(tag, via) {
      // A schema of its own: DROP SCHEMA … CASCADE removes every table the store created.
      const schema = `skrel_${tag}_${suffix()}`
      return {
        url: `postgres://postgres@${HOST}:${via ?? POSTGRES_PORT}/test?schema=${schema}`,
        async drop() {
          const client = new pg.Client({
            host: HOST,
            port: POSTGRES_PORT,
            user: 'postgres',
            database: 'test',
          })
          await client.connect()
          try {
            await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
          } finally {
            await client.end()
          }
        },
      }
    },
  }
}

function mariadbTarget(gate: GateDecision): StoreTarget {
  return {
    name: 'mariadb',
    gate,
    async namespace(tag, via) {
      const prefix = `skrel_${tag}_${suffix()}_`
      return {
        url: `mysql://root@${HOST}:${via ?? MARIADB_PORT}/test?tablePrefix=${prefix}`,
        async drop() {
          const connection = await createConnection({
            host: HOST,
            port: MARIADB_PORT,
            user: 'root',
            database: 'test',
          })
          try {
            for (const table of ['sessions', 'tokens', 'meta']) {
              await connection.query(`DROP TABLE IF EXISTS \`${prefix}${table}\``)
            }
          } finally {
            await connection.end()
          }
        },
      }
    },
  }
}

function redisTarget(gate: GateDecision): StoreTarget {
  return {
    name: 'redis',
    gate,
    async namespace(tag, via) {
      const prefix = `skrel:${tag}:${suffix()}:`
      return {
        url: `redis://${HOST}:${via ?? REDIS_PORT}?prefix=${encodeURIComponent(prefix)}`,
        async drop() {
          const redis = new Redis({ host: HOST, port: REDIS_PORT, lazyConnect: true })
          await redis.connect()
          try {
            let cursor = '0'
            do {
              const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
              cursor = next
              if (keys.length > 0) await redis.del(...keys)
            } while (cursor !== '0')
          } finally {
            redis.disconnect()
          }
        },
      }
    },
  }
}

/** File, SQLite, PostgreSQL, MariaDB and Redis: every store that keeps sessions past a crash. */
export async function persistentTargets(): Promise<StoreTarget[]> {
  const [postgres, mariadb, redis] = await Promise.all([
    requireService('PostgreSQL', HOST, POSTGRES_PORT),
    requireService('MariaDB', HOST, MARIADB_PORT),
    requireService('Redis', HOST, REDIS_PORT),
  ])
  return [
    tempDirTarget('file'),
    tempDirTarget('sqlite'),
    postgresTarget(postgres),
    mariadbTarget(mariadb),
    redisTarget(redis),
  ]
}

/** The persistent targets plus the memory store (which has no namespace to drop). */
export async function allTargets(): Promise<StoreTarget[]> {
  const memory: StoreTarget = {
    name: 'memory',
    gate: { run: true },
    namespace: async () => ({ url: 'memory:', drop: async () => {} }),
  }
  return [memory, ...(await persistentTargets())]
}
