import assert from 'node:assert/strict'
import {
  describeKey,
  getLive,
  hasCode,
  LIVE_FOR,
  MALFORMED_KEYS,
  makePatch,
  makeRecord,
  newKey,
} from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'keys'
const INVALID_KEY = 'SESSIONKIT_INVALID_STORE_KEY'

/**
 * A malformed key is not an error for reads (null, false, a no-op) and is refused for writes,
 * so a key can never become a path, a pattern or a query fragment in the engine.
 */
export const keyCases: CaseDefinition[] = [
  {
    group,
    name: 'get of a malformed key resolves to null',
    async run(store) {
      for (const key of MALFORMED_KEYS) {
        assert.equal(await store.get(key, Date.now()), null, `get(${describeKey(key)})`)
      }
    },
  },
  {
    group,
    name: 'destroy of a malformed key is a no-op',
    async run(store) {
      for (const key of MALFORMED_KEYS) {
        assert.equal(await store.destroy(key), undefined, `destroy(${describeKey(key)})`)
      }
    },
  },
  {
    group,
    name: 'patch and touch of a malformed key resolve to false',
    async run(store) {
      const t0 = Date.now()
      for (const key of MALFORMED_KEYS) {
        assert.equal(await store.patch(key, makePatch(t0), t0), false, `patch(${describeKey(key)})`)
        const times = { lastSeenAt: t0, expiresAt: t0 + LIVE_FOR }
        assert.equal(await store.touch(key, times, t0), false, `touch(${describeKey(key)})`)
      }
    },
  },
  {
    group,
    name: `set with a malformed key rejects with code ${INVALID_KEY}`,
    async run(store) {
      const t0 = Date.now()
      for (const key of MALFORMED_KEYS) {
        await assert.rejects(
          store.set(key, makeRecord(t0)),
          hasCode(INVALID_KEY),
          `set(${describeKey(key)})`,
        )
        assert.equal(await store.get(key, t0), null)
      }
    },
  },
  {
    group,
    name: 'keys are case-sensitive and may be up to 128 characters of [A-Za-z0-9_-]',
    async run(store) {
      const t0 = Date.now()
      // The leading 'a' guarantees the upper-cased key differs (a case-insensitive collation
      // would make them one row).
      const mixed = `a${newKey()}`
      const upper = mixed.toUpperCase()
      await store.set(mixed, makeRecord(t0, { data: { which: 'mixed' } }))
      await store.set(upper, makeRecord(t0, { data: { which: 'upper' } }))
      assert.equal((await getLive(store, mixed, t0)).data.which, 'mixed')
      assert.equal((await getLive(store, upper, t0)).data.which, 'upper')

      const longest = `${newKey()}-${newKey()}_${newKey()}`.slice(0, 128)
      assert.equal(longest.length, 128)
      await store.set(longest, makeRecord(t0, { data: { which: 'longest' } }))
      assert.equal((await getLive(store, longest, t0)).data.which, 'longest')
      // A prefix of a stored key is another key.
      assert.equal(await store.get(longest.slice(0, 127), t0), null)
    },
  },
]
