import assert from 'node:assert/strict'
import type { JsonValue } from '../../core/store.js'
import { getLive, LIVE_FOR, makePatch, makeRecord, newKey, newUserId } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'patch'

/** A patch is a key-level change set, applied only to a live record. */
export const patchCases: CaseDefinition[] = [
  {
    group,
    name: 'patch sets keys, removes keys and leaves every other key alone',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, {
        data: { keep: 1, change: 'old', drop: true, nested: { x: 1 } },
      })
      await store.set(key, record)
      const patch = makePatch(t0, {
        set: { change: 'new', added: [1, { two: 2 }] },
        remove: ['drop', 'never-there'],
      })
      assert.equal(await store.patch(key, patch, t0 + 1), true, 'patch of a live record')
      assert.deepEqual(await getLive(store, key, t0 + 1), {
        ...record,
        data: { keep: 1, change: 'new', nested: { x: 1 }, added: [1, { two: 2 }] },
        updatedAt: patch.updatedAt,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
      })
    },
  },
  {
    group,
    name: 'patch replaces a value whole: nested objects are not merged',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0, { data: { prefs: { theme: 'dark', lang: 'en' } } }))
      assert.equal(
        await store.patch(key, makePatch(t0, { set: { prefs: { lang: 'fr' } } }), t0),
        true,
      )
      assert.deepEqual((await getLive(store, key, t0 + 1)).data, { prefs: { lang: 'fr' } })
    },
  },
  {
    group,
    name: 'patch updates updatedAt, lastSeenAt and expiresAt and keeps createdAt',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, { createdAt: t0 - 100 })
      await store.set(key, record)
      // A shorter expiry is legal too: the manager caps it at createdAt + lifetime.
      const patch = makePatch(t0, {
        updatedAt: t0 + 500,
        lastSeenAt: t0 + 400,
        expiresAt: t0 + LIVE_FOR - 1000,
      })
      assert.equal(await store.patch(key, patch, t0 + 500), true)
      const after = await getLive(store, key, t0 + 500)
      assert.equal(after.createdAt, t0 - 100)
      assert.equal(after.updatedAt, t0 + 500)
      assert.equal(after.lastSeenAt, t0 + 400)
      assert.equal(after.expiresAt, t0 + LIVE_FOR - 1000)
      assert.deepEqual(after.data, record.data)
    },
  },
  {
    group,
    name: 'patch overwrites the metadata fields it names and leaves the others alone',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, { userId: null, tenantId: 't-1', ip: '192.0.2.1' })
      await store.set(key, record)
      const userId = newUserId()
      const patch = makePatch(t0, { meta: { userId, ip: null } })
      assert.equal(await store.patch(key, patch, t0 + 1), true)
      const after = await getLive(store, key, t0 + 1)
      assert.equal(after.userId, userId)
      assert.equal(after.ip, null)
      assert.equal(after.tenantId, 't-1')
      assert.equal(after.userAgent, record.userAgent)

      // Logout: the user is unbound with an explicit null.
      assert.equal(await store.patch(key, makePatch(t0, { meta: { userId: null } }), t0 + 2), true)
      const loggedOut = await getLive(store, key, t0 + 2)
      assert.equal(loggedOut.userId, null)
      assert.equal(loggedOut.tenantId, 't-1')
    },
  },
  {
    group,
    name: 'a patch of thousands of keys, with removals and metadata, applies whole',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const before: Record<string, JsonValue> = {}
      for (let i = 0; i < 1500; i++) before[`old${i}`] = i
      await store.set(key, makeRecord(t0, { userId: null, data: before }))
      const set: Record<string, JsonValue> = {}
      for (let i = 0; i < 2500; i++) set[`new${i}`] = { i }
      const remove = Array.from({ length: 1000 }, (_, i) => `old${i}`)
      const userId = newUserId()
      const patch = makePatch(t0, { set, remove, meta: { userId, ip: '198.51.100.7' } })
      assert.equal(await store.patch(key, patch, t0 + 1), true)
      const after = await getLive(store, key, t0 + 1)
      const expected: Record<string, JsonValue> = { ...set }
      for (let i = 1000; i < 1500; i++) expected[`old${i}`] = i
      assert.deepEqual(after.data, expected)
      assert.equal(after.userId, userId)
      assert.equal(after.ip, '198.51.100.7')
      assert.equal(after.expiresAt, patch.expiresAt)
    },
  },
  {
    group,
    name: 'a patch without meta leaves all metadata alone',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, { userId: newUserId() })
      await store.set(key, record)
      assert.equal(await store.patch(key, makePatch(t0, { set: { a: 1 } }), t0 + 1), true)
      const after = await getLive(store, key, t0 + 1)
      assert.equal(after.userId, record.userId)
      assert.equal(after.tenantId, record.tenantId)
      assert.equal(after.ip, record.ip)
      assert.equal(after.userAgent, record.userAgent)
    },
  },
  {
    group,
    name: 'patch of a missing key returns false and creates nothing',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const patch = makePatch(t0, { set: { a: 1 }, meta: { userId: newUserId() } })
      assert.equal(await store.patch(key, patch, t0), false)
      assert.equal(await store.get(key, t0 + 1), null, 'a patch must never insert')
    },
  },
  {
    group,
    name: 'patch of a destroyed key returns false and creates nothing',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0))
      await store.destroy(key)
      assert.equal(await store.patch(key, makePatch(t0, { set: { a: 1 } }), t0 + 1), false)
      assert.equal(await store.get(key, t0 + 1), null, 'a patch must not resurrect a logout')
    },
  },
  {
    group,
    name: 'patch stores a copy: mutating the patch afterwards changes nothing stored',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0, { data: {} }))
      const list: JsonValue[] = [1, 2]
      const patch = makePatch(t0, { set: { list } })
      assert.equal(await store.patch(key, patch, t0 + 1), true)
      list.push(3)
      patch.set.other = true
      assert.deepEqual((await getLive(store, key, t0 + 1)).data, { list: [1, 2] })
    },
  },
]
