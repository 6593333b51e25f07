/**
 * sessionkit's own stores, opened the documented way (`new MemoryStore()`, `openStore(url)`),
 * each under the run's tag, with their writes counted.
 * @module
 */
import { join } from 'node:path'
import pg from 'pg'
import type { Store } from '../../../src/core/store.js'
import { MemoryStore } from '../../../src/stores/memory.js'
import { openStore } from '../../../src/stores/open-store.js'
import { countWrites } from './count.js'
import { dropRedisPrefix, POSTGRES_URL, REDIS_URL } from './servers.js'
import type { RunSettings, SessionkitBackend } from './types.js'

export type SessionkitStoreName = 'memory' | 'redis' | 'postgres' | 'sqlite'

async function countEntries(store: Store): Promise<number | null> {
  if (store.entries === undefined) return null
  let count = 0
  for await (const _ of store.entries(Date.now())) count++
  return count
}

/** Store URL parameters for a process under valgrind (see RunSettings.instrumented). */
function instrumentedTimeouts(name: 'redis' | 'postgres', settings: RunSettings): string {
  if (settings.instrumented !== true) return ''
  return name === 'redis'
    ? '&connectTimeout=60s&commandTimeout=120s'
    : '&connectTimeout=60s&queryTimeout=120s'
}

function open(
  name: SessionkitStoreName,
  settings: RunSettings,
): { store: Store; drop(): Promise<void> } {
  const nothing = async (): Promise<void> => {}
  if (name === 'memory') return { store: new MemoryStore(), drop: nothing }
  if (name === 'sqlite') {
    return { store: openStore(`sqlite:${join(settings.dir, 'sessionkit.db')}`), drop: nothing }
  }
  if (name === 'redis') {
    const prefix = `bench:${settings.tag}:sk:`
    // connect-redis needs node-redis, so sessionkit runs on the same library here.
    const url = `${REDIS_URL}?driver=redis&prefix=${encodeURIComponent(prefix)}${instrumentedTimeouts('redis', settings)}`
    return {
      store: openStore(url),
      drop: () => dropRedisPrefix(prefix),
    }
  }
  const prefix = `bench_${settings.tag}_`
  return {
    store: openStore(
      `${POSTGRES_URL}?tablePrefix=${prefix}${instrumentedTimeouts('postgres', settings)}`,
    ),
    drop: async () => {
      const client = new pg.Client(POSTGRES_URL)
      await client.connect()
      try {
        for (const table of ['sessions', 'tokens', 'meta']) {
          await client.query(`DROP TABLE IF EXISTS "public"."${prefix}${table}"`)
        }
      } finally {
        await client.end()
      }
    },
  }
}

export function sessionkitBackend(
  name: SessionkitStoreName,
  settings: RunSettings,
): SessionkitBackend {
  const { store, drop } = open(name, settings)
  return {
    kind: 'sessionkit',
    store,
    writes: countWrites(store),
    records: () => countEntries(store),
    close: async () => {
      await store.close()
      await drop()
    },
  }
}
