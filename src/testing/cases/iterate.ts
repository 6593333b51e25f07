import assert from 'node:assert/strict'
import type { KeyedRecord } from '../../core/store.js'
import { withCapability } from '../capabilities.js'
import { EXPIRES_IN, makeRecord, newKey, newUserId } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'iterate'

/** entries(now) feeds migration: every live record, none that expired or was destroyed. */
export const iterateCases: CaseDefinition[] = [
  {
    group,
    needs: ['iterate'],
    name: 'entries yields every live record with its key and no expired or destroyed one',
    async run(plain) {
      const store = withCapability(plain, 'iterate')
      const t0 = Date.now()
      const now = t0 + EXPIRES_IN
      const live = new Map<string, KeyedRecord>()
      for (let i = 0; i < 5; i++) {
        const entry = {
          key: newKey(),
          record: makeRecord(t0, { userId: i % 2 ? newUserId() : null, data: { i } }),
        }
        await store.set(entry.key, entry.record)
        live.set(entry.key, entry)
      }
      const expired = newKey()
      await store.set(expired, makeRecord(t0, { expiresAt: now }))
      const destroyed = newKey()
      await store.set(destroyed, makeRecord(t0))
      await store.destroy(destroyed)
      const token = newKey()
      if (store.capabilities.tokens && store.putToken) {
        await store.putToken(token, { value: 'not a session', expiresAt: t0 + 3_600_000 })
      }

      const seen = new Map<string, KeyedRecord>()
      // A shared engine holds other callers' records too: look only at the case's own keys.
      const own = new Set([...live.keys(), expired, destroyed, token])
      for await (const entry of store.entries(now)) {
        if (!own.has(entry.key)) continue
        assert.equal(seen.has(entry.key), false, 'entries yielded a key twice')
        seen.set(entry.key, entry)
      }
      assert.equal(seen.has(expired), false, 'entries yielded an expired record')
      assert.equal(seen.has(destroyed), false, 'entries yielded a destroyed record')
      assert.equal(seen.has(token), false, 'entries yielded a token')
      assert.deepEqual(
        [...seen.values()].sort((a, b) => a.key.localeCompare(b.key)),
        [...live.values()].sort((a, b) => a.key.localeCompare(b.key)),
      )
    },
  },
]
