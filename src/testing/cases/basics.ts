import assert from 'node:assert/strict'
import type { SessionRecord, Store } from '../../core/store.js'
import { assertDeclared, CAPABILITY_METHODS } from '../capabilities.js'
import { getLive, makeRecord, newKey, newUserId } from '../fixtures.js'
import type { Capability, CaseDefinition } from '../types.js'

const group = 'basics'

/** get/set round trips, copies, replacement, declared capabilities, close. */
export const basicCases: CaseDefinition[] = [
  {
    group,
    name: 'get of a missing key resolves to null',
    async run(store) {
      assert.equal(await store.get(newKey(), Date.now()), null)
    },
  },
  {
    group,
    name: 'set then get returns every field and the data exactly',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, {
        userId: newUserId(),
        tenantId: 'tenant-42',
        ip: '2001:db8::1',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
        createdAt: t0 - 5000,
        updatedAt: t0 - 2000,
        lastSeenAt: t0 - 1000,
      })
      await store.set(key, record)
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
  {
    group,
    name: 'getNow, where the store has one, answers synchronously what get answers',
    async run(store) {
      const getNow = store.getNow
      if (getNow === undefined) return
      assert.equal(typeof getNow, 'function', 'getNow is either absent or a function')
      const t0 = Date.now()
      const live = newKey()
      const expired = newKey()
      await store.set(live, makeRecord(t0))
      await store.set(expired, makeRecord(t0, { expiresAt: t0 + 10 }))
      for (const [key, now] of [
        [live, t0],
        [expired, t0 + 10],
        [newKey(), t0],
      ] as const) {
        const answer: SessionRecord | null = getNow.call(store, key, now)
        assert.ok(!(answer instanceof Promise), 'getNow returns the record, not a promise')
        assert.deepEqual(answer, await store.get(key, now))
      }
      assert.notEqual(getNow.call(store, live, t0), null)
    },
  },
  {
    group,
    name: 'null metadata fields round-trip as null',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, { userId: null, tenantId: null, ip: null, userAgent: null })
      await store.set(key, record)
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
  {
    group,
    name: 'a returned record is a copy: mutating it changes nothing stored',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, structuredClone(record))
      const first = await getLive(store, key, t0)
      first.data.count = 999
      first.data.added = 'x'
      ;(first.data.cart as string[]).push('sku-evil')
      first.userId = 'evil'
      first.expiresAt = t0 + 1
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
  {
    group,
    name: 'set stores a copy: mutating the record after set changes nothing stored',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      const given = structuredClone(record)
      await store.set(key, given)
      given.data.count = 999
      ;(given.data.cart as string[]).push('sku-evil')
      given.ip = null
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
  {
    group,
    name: 'set fully replaces an existing record, data and metadata',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0, { data: { a: 1, b: 2 }, userId: newUserId() }))
      const replacement = makeRecord(t0 + 10, {
        data: { c: 3 },
        userId: null,
        tenantId: null,
        ip: '198.51.100.1',
        userAgent: null,
        createdAt: t0 + 10,
      })
      await store.set(key, replacement)
      assert.deepEqual(await getLive(store, key, t0 + 10), replacement)
    },
  },
  {
    group,
    name: 'name is a non-empty string and every capability is declared, never faked',
    async run(store: Store) {
      assert.equal(typeof store.name, 'string')
      assert.ok(store.name.length > 0, 'name must not be empty')
      assert.equal(typeof store.capabilities, 'object', 'capabilities must be declared')
      for (const capability of Object.keys(CAPABILITY_METHODS) as Capability[]) {
        assertDeclared(store, capability)
      }
    },
  },
  {
    group,
    name: 'close is idempotent',
    async run(store) {
      await store.close()
      await store.close()
    },
  },
]
