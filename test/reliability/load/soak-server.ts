/**
 * The soak's server, run as a child process (`node --expose-gc --import tsx soak-server.ts`) so
 * that the RSS it reports is the server's alone, not the load generator's. It serves
 * {@link soakApp} on 127.0.0.1 and answers over IPC:
 *
 * - on start: `{ type: 'ready', port }`
 * - to `{ type: 'stats' }`: `{ type: 'stats', stats: ServerStats }`, counted straight from the
 *   engine (not through the store), so an expired record the store would hide still counts.
 *
 * Configured by environment: SOAK_STORE (`sqlite` | `redis`), SOAK_SQLITE_PATH,
 * SOAK_REDIS_URL, SOAK_REDIS_PREFIX, SOAK_IDLE_MS, SOAK_CLEANUP_MS, SOAK_SECRET.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import type { Store } from '../../../src/core/store.js'
import { RedisStore } from '../../../src/stores/redis.js'
import { SqliteStore } from '../../../src/stores/sqlite.js'
import { soakApp } from './soak-app.js'
import type { ServerStats, SoakRequest, SoakResponse } from './soak-protocol.js'

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`soak-server: ${name} is not set`)
  return value
}

/** Counts every session record the engine holds, and how many of them are not yet expired. */
type Counter = () => Promise<{ records: number; live: number }>

function sqlite(): { store: Store; count: Counter } {
  const path = env('SOAK_SQLITE_PATH')
  const store = new SqliteStore({ path })
  let reader: Database.Database | undefined
  return {
    store,
    count: async () => {
      // Opened on first use: the store creates the file and its tables on its first call.
      reader ??= new Database(path, { readonly: true })
      const row = reader
        .prepare(
          'SELECT count(*) AS records, coalesce(sum(expires_at > ?), 0) AS live FROM "sessionkit_sessions"',
        )
        .get(Date.now()) as { records: number; live: number }
      return row
    },
  }
}

function redis(): { store: Store; count: Counter } {
  const url = env('SOAK_REDIS_URL')
  const prefix = env('SOAK_REDIS_PREFIX')
  // Commands wait behind 100 busy connections on a loaded 2-core machine: the 2 s default
  // would turn a scheduling stall into a 503, which is not what the soak is measuring.
  const store = new RedisStore({ url, prefix, commandTimeout: '15s' })
  const admin = new Redis(url)
  return {
    store,
    count: async () => {
      const now = Date.now()
      let records = 0
      let live = 0
      let cursor = '0'
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}s:*`, 'COUNT', 1000)
        cursor = next
        const expiries = await Promise.all(keys.map((key) => admin.hget(key, 'm:expiresAt')))
        for (const expiry of expiries) {
          // A key that expired between SCAN and HGET is gone: not a record any more.
          if (expiry === null) continue
          records++
          if (Number(expiry) > now) live++
        }
      } while (cursor !== '0')
      return { records, live }
    },
  }
}

const kind = env('SOAK_STORE')
const { store, count } = kind === 'redis' ? redis() : sqlite()
const app = soakApp(store, env('SOAK_SECRET'), {
  idleTimeoutMs: Number(env('SOAK_IDLE_MS')),
  cleanupIntervalMs: Number(env('SOAK_CLEANUP_MS')),
})
const server = createServer(app)
// The load generator's keep-alive sockets stay open between requests; never time them out
// under it (Node's default keepAliveTimeout is 5 s, shorter than a stalled client's pause).
server.keepAliveTimeout = 120_000
server.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', port: (server.address() as AddressInfo).port })
})

/** RSS as the OS sees it; the heap after a full collection, so garbage does not look like a leak. */
async function stats(): Promise<ServerStats> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const memory = process.memoryUsage()
  return { rss: memory.rss, heapUsed: memory.heapUsed, ...(await count()) }
}

function send(message: SoakResponse): void {
  process.send?.(message)
}

process.on('message', (message: SoakRequest) => {
  if (message.type === 'stats') {
    stats().then(
      (result) => send({ type: 'stats', stats: result }),
      (error: unknown) => send({ type: 'failed', message: String(error) }),
    )
  }
})

// The parent going away (a crashed test run) must not leave a server behind.
process.on('disconnect', () => {
  server.close()
  server.closeAllConnections()
  void store.close().finally(() => process.exit(0))
})
