import assert from 'node:assert/strict'
import { withCapability } from '../capabilities.js'
import { CLEANUP_EXPIRES_IN, getLive, makeRecord, newKey, newUserId } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'cleanup'

/**
 * cleanup(now) removes what expired by `now`. On a shared engine it also removes other
 * callers' expired records, so the case asserts a lower bound on the count and only checks
 * its own keys. Reading at t0 (before the expiry) tells a removed record from an expired one.
 */
export const cleanupCases: CaseDefinition[] = [
  {
    group,
    needs: ['cleanup'],
    name: 'cleanup removes expired records, keeps live ones and counts at least its own',
    async run(plain) {
      const store = withCapability(plain, 'cleanup')
      const t0 = Date.now()
      const expiresAt = t0 + CLEANUP_EXPIRES_IN
      const user = newUserId()
      const expired = [newKey(), newKey(), newKey()]
      for (const key of expired) await store.set(key, makeRecord(t0, { expiresAt, userId: user }))
      const live = [newKey(), newKey()]
      const liveRecord = makeRecord(t0, { userId: user })
      for (const key of live) await store.set(key, liveRecord)

      const removed = await store.cleanup(expiresAt)
      assert.equal(typeof removed, 'number')
      assert.ok(
        removed >= expired.length,
        `cleanup counted ${removed}, expected >= ${expired.length}`,
      )
      for (const key of expired) {
        assert.equal(await store.get(key, t0), null, 'an expired record must be gone after cleanup')
      }
      for (const key of live) assert.deepEqual(await getLive(store, key, expiresAt), liveRecord)

      if (store.capabilities.byUser && store.listByUser) {
        const listed = (await store.listByUser(user, t0)).map((entry) => entry.key).sort()
        assert.deepEqual(
          listed,
          [...live].sort(),
          'cleanup must drop removed sessions from the user index',
        )
      }
    },
  },
  {
    group,
    needs: ['cleanup', 'tokens'],
    name: 'cleanup also removes expired tokens',
    async run(plain) {
      const store = withCapability(withCapability(plain, 'cleanup'), 'tokens')
      const t0 = Date.now()
      const expiresAt = t0 + CLEANUP_EXPIRES_IN
      const expired = newKey()
      const live = newKey()
      await store.putToken(expired, { value: 'expired', expiresAt })
      await store.putToken(live, { value: 'live', expiresAt: t0 + 3_600_000 })
      await store.cleanup(expiresAt)
      assert.equal(await store.consumeToken(expired, t0), null, 'an expired token must be gone')
      assert.equal(await store.consumeToken(live, expiresAt), 'live')
    },
  },
  {
    group,
    needs: ['cleanup'],
    name: 'cleanup with nothing of its own expired keeps every record of the case',
    async run(plain) {
      const store = withCapability(plain, 'cleanup')
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, record)
      const removed = await store.cleanup(t0)
      assert.ok(Number.isInteger(removed) && removed >= 0)
      assert.deepEqual(await getLive(store, key, t0), record)
    },
  },
]
