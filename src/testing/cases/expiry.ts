import assert from 'node:assert/strict'
import { EXPIRES_IN, getLive, LIVE_FOR, makePatch, makeRecord, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'expiry'
const DAY = 86_400_000

/**
 * From a store's view the absolute lifetime and the idle timeout are one number, expiresAt; a
 * record is alive while now < expiresAt, with `now` from the caller.
 */
export const expiryCases: CaseDefinition[] = [
  {
    group,
    name: 'get returns the record while now < expiresAt and null from expiresAt on',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const expiresAt = t0 + EXPIRES_IN
      const record = makeRecord(t0, { expiresAt })
      await store.set(key, record)
      assert.deepEqual(await getLive(store, key, t0), record)
      assert.deepEqual(await getLive(store, key, expiresAt - 1), record)
      assert.equal(await store.get(key, expiresAt), null, 'now === expiresAt means expired')
      assert.equal(await store.get(key, expiresAt + 1), null)
    },
  },
  {
    group,
    name: 'only expiresAt decides: an old createdAt or lastSeenAt does not expire a record',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0, {
        createdAt: t0 - 30 * DAY,
        updatedAt: t0 - 20 * DAY,
        lastSeenAt: t0 - 10 * DAY,
        expiresAt: t0 + LIVE_FOR,
      })
      await store.set(key, record)
      assert.deepEqual(await getLive(store, key, t0 + 1000), record)
    },
  },
  {
    group,
    name: 'patch of an expired record returns false and does not resurrect it',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const expiresAt = t0 + EXPIRES_IN
      await store.set(key, makeRecord(t0, { expiresAt }))
      const patch = makePatch(t0, { set: { revived: true }, expiresAt: t0 + LIVE_FOR })
      assert.equal(await store.patch(key, patch, expiresAt), false, 'patch at now === expiresAt')
      assert.equal(await store.patch(key, patch, expiresAt + 1), false)
      assert.equal(await store.get(key, expiresAt + 1), null, 'the failed patch must not extend it')
    },
  },
  {
    group,
    name: 'touch of an expired record returns false and does not resurrect it',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const expiresAt = t0 + EXPIRES_IN
      await store.set(key, makeRecord(t0, { expiresAt }))
      const times = { lastSeenAt: expiresAt + 1, expiresAt: t0 + LIVE_FOR }
      assert.equal(await store.touch(key, times, expiresAt), false, 'touch at now === expiresAt')
      assert.equal(await store.touch(key, times, expiresAt + 1), false)
      assert.equal(await store.get(key, expiresAt + 1), null, 'the failed touch must not extend it')
    },
  },
  {
    group,
    name: 'set over an expired record stores the new record',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const expiresAt = t0 + EXPIRES_IN
      await store.set(key, makeRecord(t0, { expiresAt, data: { old: true } }))
      assert.equal(await store.get(key, expiresAt + 1), null)
      const fresh = makeRecord(expiresAt + 1, { data: { fresh: true } })
      await store.set(key, fresh)
      assert.deepEqual(await getLive(store, key, expiresAt + 2), fresh)
    },
  },
]
