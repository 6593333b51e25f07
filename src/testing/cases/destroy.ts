import assert from 'node:assert/strict'
import { getLive, LIVE_FOR, makePatch, makeRecord, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'destroy'

/** destroy removes one record; a missing key is a no-op, not an error. */
export const destroyCases: CaseDefinition[] = [
  {
    group,
    name: 'destroy removes the record: get is null, patch and touch return false',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0))
      await store.destroy(key)
      assert.equal(await store.get(key, t0), null)
      assert.equal(await store.patch(key, makePatch(t0), t0), false)
      assert.equal(await store.touch(key, { lastSeenAt: t0, expiresAt: t0 + LIVE_FOR }, t0), false)
    },
  },
  {
    group,
    name: 'destroy removes only its own key',
    async run(store) {
      const t0 = Date.now()
      const gone = newKey()
      const kept = newKey()
      const keptRecord = makeRecord(t0, { data: { kept: true } })
      await store.set(gone, makeRecord(t0))
      await store.set(kept, keptRecord)
      await store.destroy(gone)
      assert.deepEqual(await getLive(store, kept, t0), keptRecord)
    },
  },
  {
    group,
    name: 'destroy of a missing key, or twice, is a no-op',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      assert.equal(await store.destroy(newKey()), undefined)
      await store.set(key, makeRecord(t0))
      await store.destroy(key)
      await store.destroy(key)
      assert.equal(await store.get(key, t0), null)
    },
  },
]
