import assert from 'node:assert/strict'
import { getLive, LIVE_FOR, makeRecord, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'touch'

/** touch moves lastSeenAt and expiresAt of a live record, and nothing else. */
export const touchCases: CaseDefinition[] = [
  {
    group,
    name: 'touch updates lastSeenAt and expiresAt and leaves everything else alone',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, record)
      const times = { lastSeenAt: t0 + 700, expiresAt: t0 + LIVE_FOR + 700 }
      assert.equal(await store.touch(key, times, t0 + 700), true)
      assert.deepEqual(await getLive(store, key, t0 + 700), { ...record, ...times })
    },
  },
  {
    group,
    name: 'touch may shorten expiresAt, and the new expiry holds',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0))
      const expiresAt = t0 + 50_000
      assert.equal(await store.touch(key, { lastSeenAt: t0 + 1, expiresAt }, t0 + 1), true)
      assert.equal((await getLive(store, key, expiresAt - 1)).expiresAt, expiresAt)
      assert.equal(await store.get(key, expiresAt), null)
    },
  },
  {
    group,
    name: 'touch of a missing key returns false and creates nothing',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const times = { lastSeenAt: t0, expiresAt: t0 + LIVE_FOR }
      assert.equal(await store.touch(key, times, t0), false)
      assert.equal(await store.get(key, t0), null, 'a touch must never insert')
    },
  },
  {
    group,
    name: 'touch of a destroyed key returns false and creates nothing',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0))
      await store.destroy(key)
      const times = { lastSeenAt: t0 + 1, expiresAt: t0 + LIVE_FOR }
      assert.equal(await store.touch(key, times, t0 + 1), false)
      assert.equal(await store.get(key, t0 + 1), null)
    },
  },
]
