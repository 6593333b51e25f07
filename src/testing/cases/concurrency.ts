import assert from 'node:assert/strict'
import type { JsonObject } from '../../core/store.js'
import { getLive, makePatch, makeRecord, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'concurrency'

/** The race sizes for same-key writes and token consumers, derived from the main scale. */
export function smallRace(concurrency: number): number {
  return Math.max(2, Math.ceil(concurrency / 4))
}

/** No lost updates: the top complaint against express-session. */
export const concurrencyCases: CaseDefinition[] = [
  {
    group,
    name: 'concurrent patches of distinct keys on one record all survive',
    async run(store, { concurrency }) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0, { data: { base: 'kept' } }))
      const patches = Array.from({ length: concurrency }, (_, i) =>
        makePatch(t0, {
          set: { [`k${i}`]: i },
          updatedAt: t0 + i,
          lastSeenAt: t0 + i,
          expiresAt: t0 + 3_600_000 + i,
        }),
      )
      const results = await Promise.all(patches.map((patch) => store.patch(key, patch, t0 + 1)))
      assert.ok(
        results.every((ok) => ok),
        'every patch of a live record returns true',
      )
      const after = await getLive(store, key, t0 + 1)
      const expected: JsonObject = { base: 'kept' }
      for (let i = 0; i < concurrency; i++) expected[`k${i}`] = i
      assert.deepEqual(after.data, expected, 'a concurrent patch lost another one’s key')
      const written = new Set(patches.map((patch) => patch.expiresAt))
      assert.ok(written.has(after.expiresAt), 'expiresAt is one of the written values')
    },
  },
  {
    group,
    name: 'concurrent patches of the same key end with one of the written values',
    async run(store, { concurrency }) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0, { data: { other: 'kept' } }))
      const n = smallRace(concurrency)
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.patch(key, makePatch(t0, { set: { hot: { writer: i } } }), t0 + 1),
        ),
      )
      assert.ok(results.every((ok) => ok))
      const data = (await getLive(store, key, t0 + 1)).data
      assert.equal(data.other, 'kept')
      const hot = data.hot as { writer?: unknown } | undefined
      assert.ok(
        typeof hot?.writer === 'number' && hot.writer >= 0 && hot.writer < n,
        `hot must be one of the written values, got ${JSON.stringify(hot)}`,
      )
      assert.deepEqual(Object.keys(hot), ['writer'], 'values are never blended')
    },
  },
  {
    group,
    name: 'patches racing a destroy never resurrect the record',
    async run(store, { concurrency }) {
      const t0 = Date.now()
      const key = newKey()
      await store.set(key, makeRecord(t0))
      const n = smallRace(concurrency)
      const half = Math.floor(n / 2)
      const patch = (i: number) => store.patch(key, makePatch(t0, { set: { [`k${i}`]: i } }), t0)
      await Promise.all([
        ...Array.from({ length: half }, (_, i) => patch(i)),
        store.destroy(key),
        ...Array.from({ length: n - half }, (_, i) => patch(half + i)),
      ])
      assert.equal(await store.get(key, t0 + 1), null, 'a destroy must win over in-flight patches')
    },
  },
]
