import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InvalidConfigError, StoreUnavailableError } from '../core/errors.js'
import { generateId, hashId } from '../core/ids.js'
import type {
  JsonValue,
  KeyedRecord,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
} from '../core/store.js'
import { conformanceCases, runConformance, type StoreFactory, testStore } from '../testing/index.js'
import { MemoryStore } from './memory.js'

const newKey = () => hashId(generateId())
const HOUR = 3_600_000

function record(t0: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    data: { a: 1 },
    userId: null,
    tenantId: null,
    ip: null,
    userAgent: null,
    createdAt: t0,
    updatedAt: t0,
    lastSeenAt: t0,
    expiresAt: t0 + HOUR,
    ...overrides,
  }
}

testStore('memory', () => new MemoryStore(), { test: it, describe })

// The same suite with a bound and a busy sweeper: neither may change what callers observe.
testStore(
  'memory (maxEntries, 5 ms sweeper)',
  () => new MemoryStore({ maxEntries: 1000, sweepInterval: 5 }),
  {
    test: it,
    describe,
  },
)

describe('MemoryStore options', () => {
  it.each([0, -1, 1.5, Number.NaN, '10'])(
    'refuses maxEntries %s naming the field',
    (maxEntries) => {
      expect(() => new MemoryStore({ maxEntries: maxEntries as number })).toThrow(
        InvalidConfigError,
      )
      try {
        new MemoryStore({ maxEntries: maxEntries as number })
      } catch (error) {
        expect((error as InvalidConfigError).field).toBe('maxEntries')
      }
    },
  )

  it('refuses a sweepInterval past the timer limit (node would run it every 1 ms)', () => {
    expect(() => new MemoryStore({ sweepInterval: '30d' })).toThrow(
      expect.objectContaining({ field: 'sweepInterval' }),
    )
    new MemoryStore({ sweepInterval: '24d' }).close()
  })

  it('refuses a malformed sweepInterval naming the field', () => {
    expect(() => new MemoryStore({ sweepInterval: 'soon' as '1m' })).toThrow(
      expect.objectContaining({ field: 'sweepInterval' }),
    )
  })
})

describe('MemoryStore LRU eviction', () => {
  it('evicts the least recently used session past maxEntries; get, patch and touch count as use', async () => {
    const store = new MemoryStore({ maxEntries: 3 })
    const t0 = Date.now()
    const [a, b, c, d, e] = [newKey(), newKey(), newKey(), newKey(), newKey()]
    for (const key of [a, b, c]) await store.set(key, record(t0))
    await store.get(a, t0) // order now b, c, a
    await store.set(d, record(t0)) // evicts b
    expect(store.size).toBe(3)
    expect(await store.get(b, t0)).toBeNull()
    const patch: SessionPatch = {
      set: { x: 1 },
      remove: [],
      updatedAt: t0,
      lastSeenAt: t0,
      expiresAt: t0 + HOUR,
    }
    expect(await store.patch(c, patch, t0)).toBe(true) // order a, d, c
    expect(await store.touch(a, { lastSeenAt: t0, expiresAt: t0 + HOUR }, t0)).toBe(true) // d, c, a
    await store.set(e, record(t0)) // evicts d
    expect(await store.get(d, t0)).toBeNull()
    for (const key of [a, c, e]) expect(await store.get(key, t0)).not.toBeNull()
    await store.close()
  })

  it('set of an existing key refreshes it instead of growing', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    const t0 = Date.now()
    const [a, b, c] = [newKey(), newKey(), newKey()]
    await store.set(a, record(t0))
    await store.set(b, record(t0))
    await store.set(a, record(t0, { data: { again: true } })) // order b, a
    await store.set(c, record(t0)) // evicts b
    expect(store.size).toBe(2)
    expect(await store.get(b, t0)).toBeNull()
    expect((await store.get(a, t0))?.data).toEqual({ again: true })
    await store.close()
  })

  it('an evicted session leaves the by-user index', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    const t0 = Date.now()
    const user = 'user-evicted'
    const first = newKey()
    await store.set(first, record(t0, { userId: user }))
    await store.set(newKey(), record(t0))
    await store.set(newKey(), record(t0)) // evicts first
    expect(await store.listByUser(user, t0)).toEqual([])
    expect(await store.destroyByUser(user)).toBe(0)
    await store.close()
  })

  it('bounds tokens by maxEntries too, oldest first', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    const t0 = Date.now()
    const keys = [newKey(), newKey(), newKey()]
    for (const [i, key] of keys.entries())
      await store.putToken(key, { value: i, expiresAt: t0 + HOUR })
    expect(await store.consumeToken(keys[0] as string, t0)).toBeNull()
    expect(await store.consumeToken(keys[1] as string, t0)).toBe(1)
    expect(await store.consumeToken(keys[2] as string, t0)).toBe(2)
    await store.close()
  })
})

describe('MemoryStore sweeper', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('removes expired sessions and tokens on the interval, by the real clock', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const store = new MemoryStore({ sweepInterval: '1m' })
    const t0 = Date.now()
    const user = 'user-swept'
    const expired = newKey()
    const live = newKey()
    const token = newKey()
    await store.set(expired, record(t0, { userId: user, expiresAt: t0 + 30_000 }))
    await store.set(live, record(t0, { userId: user }))
    await store.putToken(token, { value: 'x', expiresAt: t0 + 30_000 })
    vi.advanceTimersByTime(59_999)
    expect(store.size).toBe(2)
    vi.advanceTimersByTime(1)
    expect(store.size).toBe(1)
    // Asking at t0, before the expiry, shows the records are gone, not merely expired.
    expect(await store.get(expired, t0)).toBeNull()
    expect(await store.consumeToken(token, t0)).toBeNull()
    expect((await store.listByUser(user, t0)).map((entry) => entry.key)).toEqual([live])
    await store.close()
  })

  it('close stops the timer; sweepInterval 0 starts none', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const store = new MemoryStore()
    expect(vi.getTimerCount()).toBe(1)
    await store.close()
    expect(vi.getTimerCount()).toBe(0)
    const manual = new MemoryStore({ sweepInterval: 0 })
    expect(vi.getTimerCount()).toBe(0)
    await manual.close()
  })

  it('the timer is unref()ed and cleared on close', async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval')
    const clearSpy = vi.spyOn(globalThis, 'clearInterval')
    const store = new MemoryStore({ sweepInterval: '1s' })
    const timer = setSpy.mock.results[0]?.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    await store.close()
    expect(clearSpy).toHaveBeenCalledWith(timer)
  })

  it('does not hold the process open', async () => {
    const memory = fileURLToPath(new URL('./memory.ts', import.meta.url))
    const script = `
      const { MemoryStore } = await import(${JSON.stringify(memory)})
      const store = new MemoryStore({ sweepInterval: 10 })
      await store.set('k', { data: {}, userId: null, tenantId: null, ip: null, userAgent: null,
        createdAt: 0, updatedAt: 0, lastSeenAt: 0, expiresAt: Date.now() + 60000 })
    `
    const run = promisify(execFile)
    const started = Date.now()
    await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 20_000,
    })
    // A referenced 10 ms interval would keep it alive until the 20 s timeout killed it.
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})

describe('MemoryStore lifecycle and details', () => {
  it('rejects with StoreUnavailableError after close, and Symbol.asyncDispose closes', async () => {
    const store = new MemoryStore()
    const t0 = Date.now()
    const key = newKey()
    await store.set(key, record(t0))
    await store[Symbol.asyncDispose]()
    await store.close()
    await expect(store.get(key, t0)).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.set(key, record(t0))).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.consumeToken(key, t0)).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(store.size).toBe(0)
  })

  it('a meta field given as undefined is not named: the user stays bound', async () => {
    const store = new MemoryStore()
    const t0 = Date.now()
    const key = newKey()
    await store.set(key, record(t0, { userId: 'user-kept' }))
    const patch: SessionPatch = {
      set: {},
      remove: [],
      updatedAt: t0,
      lastSeenAt: t0,
      expiresAt: t0 + HOUR,
      meta: { userId: undefined },
    }
    expect(await store.patch(key, patch, t0)).toBe(true)
    expect((await store.get(key, t0))?.userId).toBe('user-kept')
    expect((await store.listByUser('user-kept', t0)).length).toBe(1)
    await store.close()
  })

  it('entries yields each key once even when reads reorder the LRU during iteration', async () => {
    // maxEntries makes each read move its key to the end of the LRU order.
    const store = new MemoryStore({ maxEntries: 10 })
    const t0 = Date.now()
    const keys = [newKey(), newKey(), newKey()]
    for (const key of keys) await store.set(key, record(t0))
    const seen: string[] = []
    for await (const { key } of store.entries(t0)) {
      seen.push(key)
      await store.get(key, t0)
    }
    expect(seen).toEqual(keys)
    await store.close()
  })

  it('refuses data that is not JSON without storing anything', async () => {
    const store = new MemoryStore()
    const t0 = Date.now()
    const key = newKey()
    const data = { big: 1n } as unknown as SessionRecord['data']
    await expect(store.set(key, record(t0, { data }))).rejects.toMatchObject({
      code: 'SESSIONKIT_STORE_ERROR',
    })
    expect(await store.get(key, t0)).toBeNull()
    await store.close()
  })
})

// ---------------------------------------------------------------------------------------------
// The suite has teeth: deliberately broken stores fail the cases that describe their bug.

/** Runs the conformance cases of `groups` against `makeStore`; returns the names that failed. */
async function failingCases(makeStore: StoreFactory, groups: string[]): Promise<string[]> {
  const failed: string[] = []
  for (const c of conformanceCases(makeStore, { concurrency: 40 })) {
    if (!groups.includes(c.group)) continue
    await c.run().catch(() => failed.push(c.name))
  }
  return failed
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** patch replaces the whole data object with the keys it sets. */
class OverwritingPatchStore extends MemoryStore {
  override async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const current = await this.get(key, now)
    if (!current) return false
    await this.set(key, { ...current, ...patch.meta, ...patch, data: { ...patch.set } })
    return true
  }
}

/** The classic lost update: read, yield to the event loop, write the whole record back. */
class RacyPatchStore extends MemoryStore {
  override async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const current = await this.get(key, now)
    if (!current) return false
    await tick()
    const data = { ...current.data, ...patch.set }
    for (const field of patch.remove) delete data[field]
    const { set: _set, remove: _remove, meta, ...times } = patch
    await this.set(key, { ...current, ...meta, ...times, data })
    return true
  }
}

/** get ignores expiresAt. */
class ReturnsExpiredStore extends MemoryStore {
  override async get(key: string, _now: number): Promise<SessionRecord | null> {
    return super.get(key, Number.NEGATIVE_INFINITY)
  }
}

/** patch inserts when the record is missing: a logout racing a request is undone. */
class UpsertingPatchStore extends MemoryStore {
  override async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    if (await super.patch(key, patch, now)) return true
    const { set, remove: _remove, meta, ...times } = patch
    await this.set(key, { ...record(now), ...meta, ...times, data: set })
    return true
  }
}

/** Writes without an expiry become "never expires" instead of being refused. */
class ForeverStore extends MemoryStore {
  override async set(key: string, value: SessionRecord): Promise<void> {
    const expiresAt = Number.isFinite(value.expiresAt) ? value.expiresAt : Number.MAX_SAFE_INTEGER
    await super.set(key, { ...value, expiresAt })
  }
}

/** Hashes a malformed key instead of refusing it. */
class LenientKeyStore extends MemoryStore {
  override async set(key: string, value: SessionRecord): Promise<void> {
    await super.set(/^[\w-]{1,128}$/.test(key) ? key : hashId(key), value)
  }
}

/** Applies a patch by assignment, so `__proto__` sets the prototype instead of a key. */
class AssigningPatchStore extends MemoryStore {
  override async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    const current = await this.get(key, now)
    if (!current) return false
    for (const [field, value] of Object.entries(patch.set)) current.data[field] = value
    for (const field of patch.remove) delete current.data[field]
    const { set: _set, remove: _remove, meta, ...times } = patch
    await this.set(key, { ...current, ...meta, ...times })
    return true
  }
}

/** listByUser does not filter expired sessions. */
class StaleListStore extends MemoryStore {
  override async listByUser(userId: string, _now: number): Promise<KeyedRecord[]> {
    return super.listByUser(userId, Number.NEGATIVE_INFINITY)
  }
}

/** consumeToken reads, yields, then deletes: several racers get the value. */
class RacyTokenStore extends MemoryStore {
  readonly #values = new Map<string, JsonValue>()
  override async putToken(key: string, token: { value: JsonValue; expiresAt: number }) {
    await super.putToken(key, token)
    this.#values.set(key, token.value)
  }
  override async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    const value = this.#values.get(key)
    await tick()
    this.#values.delete(key)
    await super.consumeToken(key, now)
    return value ?? null
  }
}

/** Declares iterate false but still has entries(): a faked capability. */
class FakedCapabilityStore extends MemoryStore {
  override readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: false,
    tokens: true,
  }
}

describe('the conformance suite has teeth', () => {
  it.each<[string, StoreFactory, string[], string[]]>([
    [
      'patch overwrites the whole data object',
      () => new OverwritingPatchStore(),
      ['patch', 'concurrency'],
      [
        'patch sets keys, removes keys and leaves every other key alone',
        'concurrent patches of distinct keys on one record all survive',
      ],
    ],
    [
      'patch is a read-modify-write with an await in between',
      () => new RacyPatchStore(),
      ['concurrency'],
      ['concurrent patches of distinct keys on one record all survive'],
    ],
    [
      'get returns expired records',
      () => new ReturnsExpiredStore(),
      ['expiry'],
      ['get returns the record while now < expiresAt and null from expiresAt on'],
    ],
    [
      'patch inserts missing records',
      () => new UpsertingPatchStore(),
      ['patch', 'concurrency'],
      [
        'patch of a missing key returns false and creates nothing',
        'patch of a destroyed key returns false and creates nothing',
        'patches racing a destroy never resurrect the record',
      ],
    ],
    [
      'a write without an expiry is stored forever',
      () => new ForeverStore(),
      ['required expiry'],
      ['set without a finite expiresAt rejects and stores nothing'],
    ],
    [
      'set accepts malformed keys',
      () => new LenientKeyStore(),
      ['keys'],
      ['set with a malformed key rejects with code SESSIONKIT_INVALID_STORE_KEY'],
    ],
    [
      'patch assigns keys, so __proto__ becomes a prototype',
      () => new AssigningPatchStore(),
      ['values'],
      ['__proto__ in data is an ordinary key and pollutes no prototype'],
    ],
    [
      'listByUser lists expired sessions',
      () => new StaleListStore(),
      ['byUser'],
      ['listByUser returns exactly the live sessions of the user, with their keys'],
    ],
    [
      'consumeToken is not atomic',
      () => new RacyTokenStore(),
      ['tokens'],
      ['of many concurrent consumes exactly one gets the value'],
    ],
    [
      'a capability declared false is still present',
      () => new FakedCapabilityStore(),
      ['basics', 'iterate'],
      [
        'name is a non-empty string and every capability is declared, never faked',
        'entries yields every live record with its key and no expired or destroyed one',
      ],
    ],
  ])('fails a store where %s', async (_bug, makeStore, groups, expected) => {
    const failed = await failingCases(makeStore, groups)
    for (const name of expected) expect(failed).toContain(name)
  })

  it('passes a store that declares no capability, skipping those cases after checking the methods are absent', async () => {
    const minimal = (): Store => {
      const inner = new MemoryStore()
      return {
        name: 'minimal',
        capabilities: { byUser: false, cleanup: false, iterate: false, tokens: false },
        get: (key, now) => inner.get(key, now),
        set: (key, value) => inner.set(key, value),
        patch: (key, patch, now) => inner.patch(key, patch, now),
        touch: (key, times, now) => inner.touch(key, times, now),
        destroy: (key) => inner.destroy(key),
        close: () => inner.close(),
      }
    }
    const results = await runConformance(minimal, { concurrency: 40 })
    expect(results.filter((r) => r.status === 'failed')).toEqual([])
    const skipped = results.filter((r) => r.status === 'skipped')
    expect(skipped.length).toBeGreaterThan(0)
    expect(new Set(skipped.map((r) => r.group))).toEqual(
      new Set(['byUser', 'cleanup', 'iterate', 'tokens']),
    )
  })

  it('runs every case against MemoryStore without a test runner: none fails, none is skipped', async () => {
    const results = await runConformance(() => new MemoryStore())
    expect(results.length).toBeGreaterThan(40)
    expect(results.filter((r) => r.status !== 'passed')).toEqual([])
  })
})

describe('MemoryStore getNow', () => {
  it('answers synchronously exactly what get answers: found, missing, expired, malformed key', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const t0 = Date.now()
    const live = newKey()
    const expired = newKey()
    await store.set(live, record(t0, { data: { cart: ['a'] } }))
    await store.set(expired, record(t0, { expiresAt: t0 + 10 }))
    for (const [key, now] of [
      [live, t0],
      [newKey(), t0],
      [expired, t0 + 10],
      ['not a key', t0],
    ] as const) {
      const now_ = store.getNow(key, now)
      expect(now_).not.toBeInstanceOf(Promise)
      expect(now_).toEqual(await store.get(key, now))
    }
    expect(store.getNow(live, t0)?.data).toEqual({ cart: ['a'] })
    // A copy every time: changing what came back changes nothing stored.
    const first = store.getNow(live, t0)
    if (first === null) throw new Error('the live record is missing')
    ;(first.data.cart as string[]).push('b')
    expect(store.getNow(live, t0)?.data).toEqual({ cart: ['a'] })
    await store.close()
    expect(() => store.getNow(live, t0)).toThrow(StoreUnavailableError)
  })

  it('is left out on a subclass that overrides get alone, so the override sees every read', async () => {
    class CountingStore extends MemoryStore {
      reads = 0
      override get(key: string, now: number) {
        this.reads++
        return super.get(key, now)
      }
    }
    class BothStore extends CountingStore {
      override getNow(key: string, now: number) {
        this.reads++
        return super.getNow(key, now)
      }
    }
    const counting = new CountingStore({ sweepInterval: 0 })
    expect(counting.getNow).toBeUndefined()
    const both = new BothStore({ sweepInterval: 0 })
    expect(typeof both.getNow).toBe('function')
    expect(both.getNow(newKey(), Date.now())).toBeNull()
    expect(both.reads).toBe(1)
    expect(typeof new MemoryStore({ sweepInterval: 0 }).getNow).toBe('function')
  })
})
