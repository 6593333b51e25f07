/**
 * Reading connect-redis's layout: a string key `<prefix><id>` holding the session JSON, with a
 * TTL. Keys are found with SCAN (never KEYS, which blocks the server), values and TTLs read in
 * pipelined batches.
 * @module
 */

import type { Redis } from 'ioredis'
import { StoreError, StoreUnavailableError } from '../../core/errors.js'
import type { KeyedRecord } from '../../core/store.js'
import { driverCode, loadIoredis } from './drivers.js'
import { type LegacyOptions, legacyRecord, legacyStoreKey } from './legacy.js'
import type { ConnectRedisSource } from './legacy-url.js'
import { emptySkipCounts, type MigrationSource } from './source.js'

const NAME = 'connect-redis'
const SCAN_COUNT = 500
const TIMEOUT_MS = 10_000

/** `prefix` as a SCAN pattern that matches it literally. */
export function literalPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`
}

async function connect(source: ConnectRedisSource): Promise<Redis> {
  const { Redis } = loadIoredis()
  const client = new Redis({
    host: source.host,
    port: source.port,
    db: source.db,
    ...(source.username === undefined ? {} : { username: source.username }),
    ...(source.password === undefined ? {} : { password: source.password }),
    ...(source.tls ? { tls: {} } : {}),
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    // A migration is a one-off: a lost connection ends it with an error rather than waiting.
    retryStrategy: () => null,
  })
  // Failures reach the caller through the rejected command; this keeps the event quiet.
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    client.disconnect()
    throw new StoreUnavailableError(NAME, `cannot connect to Redis (${driverCode(error)})`, {
      cause: error,
    })
  }
}

async function* scanKeys(client: Redis, prefix: string): AsyncGenerator<string[]> {
  const pattern = literalPattern(prefix)
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
    cursor = next
    if (keys.length > 0) yield keys
  } while (cursor !== '0')
}

function wrap(error: unknown): Error {
  if (error instanceof StoreUnavailableError || error instanceof StoreError) return error
  return new StoreUnavailableError(NAME, `Redis failed (${driverCode(error)})`, { cause: error })
}

/** connect-redis sessions as a migration source. */
export async function connectRedisSource(
  source: ConnectRedisSource,
  options: LegacyOptions,
): Promise<MigrationSource> {
  const client = await connect(source)
  const skipped = emptySkipCounts()

  async function* entries(now: number): AsyncGenerator<KeyedRecord> {
    // SCAN may return a key more than once.
    const seen = new Set<string>()
    try {
      for await (const batch of scanKeys(client, source.prefix)) {
        const keys = batch.filter((key) => !seen.has(key))
        for (const key of keys) seen.add(key)
        const pipeline = client.pipeline()
        for (const key of keys) pipeline.get(key).pttl(key)
        const replies = (await pipeline.exec()) ?? []
        for (const [index, key] of keys.entries()) {
          const [valueError, value] = replies[index * 2] ?? [null, null]
          const [, ttl] = replies[index * 2 + 1] ?? [null, -2]
          // Another type under the prefix (WRONGTYPE), or a key gone since SCAN saw it.
          if (valueError || typeof value !== 'string') {
            if (valueError) skipped.unreadable++
            continue
          }
          const storeExpiry = typeof ttl === 'number' && ttl >= 0 ? now + ttl : null
          const record = legacyRecord(value, storeExpiry, now, options)
          if (typeof record === 'string') {
            skipped[record]++
            continue
          }
          yield { key: legacyStoreKey(key.slice(source.prefix.length)), record }
        }
      }
    } catch (error) {
      throw wrap(error)
    }
  }

  return {
    name: NAME,
    skipped,
    entries,
    async count() {
      let count = 0
      try {
        for await (const batch of scanKeys(client, source.prefix)) count += batch.length
      } catch (error) {
        throw wrap(error)
      }
      return count
    },
    async close() {
      await client.quit().catch(() => client.disconnect())
    },
  }
}
