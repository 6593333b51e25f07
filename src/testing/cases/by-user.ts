import assert from 'node:assert/strict'
import type { KeyedRecord, SessionRecord } from '../../core/store.js'
import { withCapability } from '../capabilities.js'
import { EXPIRES_IN, getLive, makePatch, makeRecord, newKey, newUserId } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'byUser'

function byKey(list: KeyedRecord[]): KeyedRecord[] {
  return [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

function keysOf(list: KeyedRecord[]): string[] {
  return list.map((entry) => entry.key).sort()
}

/** Listing and revoking a user's sessions: the devices page and "log out everywhere". */
export const byUserCases: CaseDefinition[] = [
  {
    group,
    needs: ['byUser'],
    name: 'listByUser returns exactly the live sessions of the user, with their keys',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const user = newUserId()
      const other = newUserId()
      const expiresAt = t0 + EXPIRES_IN
      const live: KeyedRecord[] = []
      for (let i = 0; i < 3; i++) {
        const entry = { key: newKey(), record: makeRecord(t0, { userId: user, data: { i } }) }
        await store.set(entry.key, entry.record)
        live.push(entry)
      }
      const expiring = { key: newKey(), record: makeRecord(t0, { userId: user, expiresAt }) }
      await store.set(expiring.key, expiring.record)
      const destroyed = newKey()
      await store.set(destroyed, makeRecord(t0, { userId: user }))
      await store.destroy(destroyed)
      const othersKey = newKey()
      await store.set(othersKey, makeRecord(t0, { userId: other }))
      const anonymous = newKey()
      await store.set(anonymous, makeRecord(t0, { userId: null }))

      assert.deepEqual(byKey(await store.listByUser(user, t0 + 1)), byKey([...live, expiring]))
      assert.deepEqual(
        byKey(await store.listByUser(user, expiresAt)),
        byKey(live),
        'an expired session is not listed',
      )
      assert.deepEqual(keysOf(await store.listByUser(other, t0 + 1)), [othersKey])
      assert.deepEqual(await store.listByUser(newUserId(), t0 + 1), [])
    },
  },
  {
    group,
    needs: ['byUser'],
    name: 'listByUser returns copies',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const user = newUserId()
      const key = newKey()
      const record = makeRecord(t0, { userId: user })
      await store.set(key, record)
      const [listed] = await store.listByUser(user, t0)
      assert.ok(listed)
      listed.record.data.count = 999
      listed.record.userId = 'evil'
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
  {
    group,
    needs: ['byUser'],
    name: 'destroyByUser removes every session of the user and returns the count',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const user = newUserId()
      const keys = [newKey(), newKey(), newKey()]
      for (const key of keys) await store.set(key, makeRecord(t0, { userId: user }))
      const othersKey = newKey()
      const othersRecord = makeRecord(t0, { userId: newUserId() })
      await store.set(othersKey, othersRecord)

      assert.equal(await store.destroyByUser(user), keys.length)
      for (const key of keys) assert.equal(await store.get(key, t0), null)
      assert.deepEqual(await store.listByUser(user, t0), [])
      assert.deepEqual(await getLive(store, othersKey, t0), othersRecord, "another user's session")
      assert.equal(await store.destroyByUser(user), 0, 'a second revocation removes nothing')
      assert.equal(await store.destroyByUser(newUserId()), 0, 'a user without sessions')
    },
  },
  {
    group,
    needs: ['byUser'],
    name: 'destroyByUser with exceptKey keeps that one session',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const user = newUserId()
      const current = newKey()
      const currentRecord = makeRecord(t0, { userId: user, data: { current: true } })
      await store.set(current, currentRecord)
      const others = [newKey(), newKey(), newKey(), newKey()]
      for (const key of others) await store.set(key, makeRecord(t0, { userId: user }))

      assert.equal(await store.destroyByUser(user, { exceptKey: current }), others.length)
      for (const key of others) assert.equal(await store.get(key, t0), null)
      assert.deepEqual(await getLive(store, current, t0), currentRecord)
      assert.deepEqual(keysOf(await store.listByUser(user, t0)), [current])
      assert.equal(await store.destroyByUser(user, { exceptKey: newKey() }), 1)
      assert.equal(await store.get(current, t0), null)
    },
  },
  {
    group,
    needs: ['byUser'],
    name: 'a userId changed by patch meta moves the session between users',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const first = newUserId()
      const second = newUserId()
      const key = newKey()
      await store.set(key, makeRecord(t0, { userId: null }))
      assert.equal(await store.patch(key, makePatch(t0, { meta: { userId: first } }), t0), true)
      assert.deepEqual(keysOf(await store.listByUser(first, t0 + 1)), [key], 'login binds')

      assert.equal(await store.patch(key, makePatch(t0, { meta: { userId: second } }), t0), true)
      assert.deepEqual(await store.listByUser(first, t0 + 1), [], 'the old user no longer lists it')
      assert.deepEqual(keysOf(await store.listByUser(second, t0 + 1)), [key])
      assert.equal(await store.destroyByUser(first), 0, 'revoking the old user spares it')
      assert.equal((await getLive(store, key, t0 + 1)).userId, second)

      assert.equal(await store.patch(key, makePatch(t0, { meta: { userId: null } }), t0), true)
      assert.deepEqual(await store.listByUser(second, t0 + 1), [], 'logout unbinds')
      assert.equal(await store.destroyByUser(second), 0)
      assert.notEqual(await store.get(key, t0 + 1), null)
    },
  },
  {
    group,
    needs: ['byUser'],
    name: 'set with another userId moves the session between users',
    async run(plain) {
      const store = withCapability(plain, 'byUser')
      const t0 = Date.now()
      const first = newUserId()
      const second = newUserId()
      const key = newKey()
      await store.set(key, makeRecord(t0, { userId: first }))
      const replacement: SessionRecord = makeRecord(t0 + 1, { userId: second })
      await store.set(key, replacement)
      assert.deepEqual(await store.listByUser(first, t0 + 1), [])
      assert.deepEqual(await store.listByUser(second, t0 + 1), [{ key, record: replacement }])
      assert.equal(await store.destroyByUser(first), 0)
      assert.deepEqual(await getLive(store, key, t0 + 1), replacement)
    },
  },
]
