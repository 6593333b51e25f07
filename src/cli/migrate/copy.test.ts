import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../core/errors.js'
import type { KeyedRecord, SessionRecord, Store } from '../../core/store.js'
import { MemoryStore } from '../../stores/memory.js'
import { CopyFailure, copySessions, verifyCopy } from './copy.js'
import { emptySkipCounts, type MigrationSource, storeSource } from './source.js'

function record(expiresAt: number, userId: string | null = null): SessionRecord {
  return {
    data: { n: 1 },
    userId,
    tenantId: null,
    ip: null,
    userAgent: null,
    createdAt: 1,
    updatedAt: 1,
    lastSeenAt: 1,
    expiresAt,
  }
}

const key = (n: number) => `key-${String(n).padStart(40, '0')}`

function listSource(entries: KeyedRecord[]): MigrationSource {
  return {
    name: 'list',
    skipped: emptySkipCounts(),
    async *entries() {
      yield* entries
    },
    count: async () => entries.length,
    close: async () => {},
  }
}

describe('copySessions', () => {
  it('copies every live session with its key and expiry, a bounded number at a time', async () => {
    const from = new MemoryStore()
    const to = new MemoryStore()
    const later = Date.now() + 60_000
    for (let n = 0; n < 50; n++) await from.set(key(n), record(later, n % 2 ? 'u' : null))
    let inFlight = 0
    let peak = 0
    const set = to.set.bind(to)
    to.set = async (k, r) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 1))
      await set(k, r)
      inFlight--
    }
    const progress: number[] = []
    const written = await copySessions(storeSource(from), to, {
      concurrency: 4,
      dryRun: false,
      onProgress: (done) => progress.push(done),
    })
    expect(written.size).toBe(50)
    expect(peak).toBeLessThanOrEqual(4)
    expect(progress.at(-1)).toBe(50)
    expect(await to.get(key(7), Date.now())).toEqual(record(later, 'u'))
    expect(await verifyCopy(to, written, 8)).toEqual({ live: 50, expiredSince: 0, missing: 0 })
  })

  it('skips sessions already expired and counts them', async () => {
    const now = Date.now()
    const source = listSource([
      { key: key(1), record: record(now - 1) },
      { key: key(2), record: record(now + 60_000) },
    ])
    const written = await copySessions(source, new MemoryStore(), { concurrency: 2, dryRun: false })
    expect([...written.keys()]).toEqual([key(2)])
    expect(source.skipped.expired).toBe(1)
  })

  it('stops on a failed write and says how far it got', async () => {
    const to = new MemoryStore()
    let writes = 0
    to.set = async () => {
      if (++writes > 3) throw new StoreUnavailableError('memory', 'down')
    }
    const entries = Array.from({ length: 20 }, (_, n) => ({
      key: key(n),
      record: record(Date.now() + 60_000),
    }))
    const failure = await copySessions(listSource(entries), to, {
      concurrency: 1,
      dryRun: false,
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(CopyFailure)
    expect((failure as CopyFailure).written).toBe(3)
    expect((failure as CopyFailure).cause).toBeInstanceOf(StoreUnavailableError)
    expect(writes).toBeLessThan(20)
  })

  it('writes nothing in a dry run', async () => {
    const to = new MemoryStore()
    const written = await copySessions(
      listSource([{ key: key(1), record: record(Date.now() + 60_000) }]),
      to,
      { concurrency: 2, dryRun: true },
    )
    expect(written.size).toBe(1)
    expect(await to.get(key(1), Date.now())).toBeNull()
  })
})

describe('verifyCopy', () => {
  it('tells missing sessions from sessions that expired since', async () => {
    const to: Pick<Store, 'get'> = { get: async () => null }
    const written = new Map([
      [key(1), Date.now() - 1],
      [key(2), Date.now() + 60_000],
    ])
    expect(await verifyCopy(to as Store, written, 4)).toEqual({
      live: 0,
      expiredSince: 1,
      missing: 1,
    })
  })
})
