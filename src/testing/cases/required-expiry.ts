import assert from 'node:assert/strict'
import type { SessionRecord } from '../../core/store.js'
import { getLive, makePatch, makeRecord, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'required expiry'

/** expiresAt values a write must refuse; `missing` drops the field altogether. */
const BAD_EXPIRIES: readonly { label: string; value: unknown }[] = [
  { label: 'NaN', value: Number.NaN },
  { label: 'undefined', value: undefined },
  { label: 'missing', value: 'missing' },
  { label: 'Infinity', value: Number.POSITIVE_INFINITY },
  { label: 'a numeric string', value: '1700000000000' },
]

/** A copy of `target` whose expiresAt is the bad value. */
function withExpiry<T extends { expiresAt: number }>(target: T, value: unknown, label: string): T {
  const copy: Record<string, unknown> = { ...target }
  if (label === 'missing') delete copy.expiresAt
  else copy.expiresAt = value
  return copy as T
}

/** No write can leave a record without an expiry, so nothing can live forever. */
export const requiredExpiryCases: CaseDefinition[] = [
  {
    group,
    name: 'set without a finite expiresAt rejects and stores nothing',
    async run(store) {
      const t0 = Date.now()
      for (const { label, value } of BAD_EXPIRIES) {
        const key = newKey()
        await assert.rejects(
          store.set(key, withExpiry(makeRecord(t0), value, label)),
          `set with expiresAt ${label} must reject`,
        )
        assert.equal(await store.get(key, t0), null, `set with expiresAt ${label} stored a record`)
      }
    },
  },
  {
    group,
    name: 'set without a finite expiresAt leaves an existing record unchanged',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, record)
      for (const { label, value } of BAD_EXPIRIES) {
        const bad: SessionRecord = withExpiry(makeRecord(t0, { data: { bad: true } }), value, label)
        await assert.rejects(store.set(key, bad), `set with expiresAt ${label} must reject`)
        assert.deepEqual(await getLive(store, key, t0), record)
      }
    },
  },
  {
    group,
    name: 'patch without a finite expiresAt rejects and leaves the record unchanged',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, record)
      for (const { label, value } of BAD_EXPIRIES) {
        const patch = withExpiry(makePatch(t0, { set: { bad: true } }), value, label)
        await assert.rejects(
          store.patch(key, patch, t0),
          `patch with expiresAt ${label} must reject`,
        )
        assert.deepEqual(await getLive(store, key, t0), record)
      }
    },
  },
  {
    group,
    name: 'touch without a finite expiresAt rejects and leaves the record unchanged',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const record = makeRecord(t0)
      await store.set(key, record)
      for (const { label, value } of BAD_EXPIRIES) {
        const times = withExpiry({ lastSeenAt: t0 + 1, expiresAt: 0 }, value, label)
        await assert.rejects(
          store.touch(key, times, t0),
          `touch with expiresAt ${label} must reject`,
        )
        assert.deepEqual(await getLive(store, key, t0), record)
      }
    },
  },
]
