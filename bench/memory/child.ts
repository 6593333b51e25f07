/**
 * One memory measurement, in a fresh process started with --expose-gc:
 * `node --expose-gc --import tsx bench/memory/child.ts <sessionkit|express-session> <count>`.
 * Fills one store with `count` sessions of the same data and prints, as one JSON line, RSS and
 * heapUsed after a full GC before and after filling it. Nothing else is kept alive meanwhile:
 * each session is built, stored and dropped.
 * @module
 */
import { randomBytes } from 'node:crypto'
import session from 'express-session'
import { generateId, hashId } from '../../src/core/ids.js'
import { MemoryStore } from '../../src/stores/memory.js'
import type { MemorySample } from './types.js'

const DAY = 24 * 60 * 60 * 1000

/** The data every session holds, in both stores: ~150 bytes of JSON. */
function data(i: number) {
  return {
    count: i,
    cart: ['sku-1001', 'sku-2002', 'sku-3003'],
    theme: 'dark',
    csrf: randomBytes(24).toString('base64url'),
  }
}

function collect(): NodeJS.MemoryUsage {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  // Twice: the first pass can leave objects that finalizers only release for the second.
  gc()
  gc()
  return process.memoryUsage()
}

/** sessionkit's memory store, written as the manager writes a new session (hashed key). */
async function fillSessionkit(count: number): Promise<object> {
  const store = new MemoryStore()
  const now = Date.now()
  for (let i = 0; i < count; i++) {
    await store.set(hashId(generateId()), {
      data: data(i),
      userId: null,
      tenantId: null,
      ip: '127.0.0.1',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
      createdAt: now,
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: now + DAY,
    })
  }
  return store
}

/** express-session's MemoryStore, written as express-session saves a session. */
async function fillExpressSession(count: number): Promise<object> {
  const store = new session.MemoryStore()
  const expires = new Date(Date.now() + DAY).toISOString()
  for (let i = 0; i < count; i++) {
    const value = {
      cookie: { originalMaxAge: DAY, expires, httpOnly: true, path: '/' },
      ...data(i),
    } as unknown as session.SessionData
    await new Promise<void>((resolve, reject) => {
      store.set(randomBytes(24).toString('base64url'), value, (error) =>
        error ? reject(error) : resolve(),
      )
    })
  }
  return store
}

async function main(): Promise<void> {
  const [implementation, countText] = process.argv.slice(2)
  const count = Number(countText)
  if (!Number.isInteger(count) || count < 1) throw new Error(`bad count ${countText}`)
  const fill =
    implementation === 'sessionkit'
      ? fillSessionkit
      : implementation === 'express-session'
        ? fillExpressSession
        : null
  if (fill === null) throw new Error(`unknown implementation ${implementation}`)
  const before = collect()
  const store = await fill(count)
  const after = collect()
  const sample: MemorySample = {
    sessions: count,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapUsedBefore: before.heapUsed,
    heapUsedAfter: after.heapUsed,
  }
  process.stdout.write(`${JSON.stringify(sample)}\n`)
  // Keeps the store reachable until after the second reading.
  if (store === null) process.exitCode = 1
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
