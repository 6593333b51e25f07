/**
 * Opens the session backend a variant names. Each backend's module is loaded only when used,
 * so a server child loads one store library, not all of them.
 * @module
 */

import type { FloorStore } from '../../floor/sessions.js'
import { MAX_AGE_MS } from '../scenarios.js'
import type { BackendName } from '../variants.js'
import type { Backend, RunSettings } from './types.js'

/** The backend of `name`, or null for the no-session variants. */
export async function openBackend(
  name: BackendName,
  settings: RunSettings,
): Promise<Backend | null> {
  switch (name) {
    case 'none':
    case 'none-dictionary':
    case 'none-middleware':
      return null
    case 'sk-memory':
    case 'sk-redis':
    case 'sk-postgres':
    case 'sk-sqlite': {
      const { sessionkitBackend } = await import('./sessionkit.js')
      const store = name.slice('sk-'.length) as 'memory' | 'redis' | 'postgres' | 'sqlite'
      return sessionkitBackend(store, settings)
    }
    case 'es-memory': {
      const [{ default: session }, { callbackBackend }] = await Promise.all([
        import('express-session'),
        import('./callback.js'),
      ])
      return callbackBackend(new session.MemoryStore(), async () => {})
    }
    case 'es-redis':
      return (await import('./peer-redis.js')).redisPeer(settings)
    case 'es-postgres':
      return (await import('./peer-postgres.js')).postgresPeer(settings)
    case 'es-sqlite':
      return (await import('./peer-sqlite.js')).sqlitePeer(settings)
    case 'fastify-session':
      return (await import('./peer-fastify.js')).fastifySessionBackend()
    case 'floor':
    case 'floor-redis':
    case 'floor-postgres':
    case 'floor-sqlite': {
      const { FloorSessions } = await import('../../floor/sessions.js')
      const store = await floorStore(name, settings)
      const sessions = new FloorSessions(settings.secret, MAX_AGE_MS, store)
      return {
        kind: 'floor',
        sessions,
        writes: sessions.writes,
        records: () => store.count(),
        close: () => store.close(),
      }
    }
  }
}

/** The floor's store of each floor variant: a Map, or the same server as its group's stores. */
async function floorStore(
  name: 'floor' | 'floor-redis' | 'floor-postgres' | 'floor-sqlite',
  settings: RunSettings,
): Promise<FloorStore> {
  switch (name) {
    case 'floor':
      return new (await import('../../floor/sessions.js')).MapFloorStore()
    case 'floor-redis':
      return (await import('../../floor/redis-store.js')).redisFloorStore(
        `bench:${settings.tag}:floor:`,
      )
    case 'floor-postgres':
      return (await import('../../floor/postgres-store.js')).postgresFloorStore(
        `bench_${settings.tag}_floor`,
      )
    case 'floor-sqlite':
      return (await import('../../floor/sqlite-store.js')).sqliteFloorStore(settings.dir)
  }
}
