import assert from 'node:assert/strict'
import { generateId, hashId } from '../core/ids.js'
import type { JsonObject, SessionPatch, SessionRecord, Store } from '../core/store.js'

/**
 * Times in the suite are virtual: a case reads `t0 = Date.now()` once and passes `t0 + n` as
 * `now`, so nothing sleeps. Records meant to expire inside a case expire at t0 + EXPIRES_IN,
 * a minute of real time away, so an engine TTL (Redis) cannot remove them while the case runs.
 */
export const EXPIRES_IN = 60_000

/** Expiry of records the cleanup case removes: earlier than EXPIRES_IN, so a cleanup running
 * concurrently on a shared engine never removes a record another case still expects alive. */
export const CLEANUP_EXPIRES_IN = 30_000

/** Records meant to stay alive for the whole case. */
export const LIVE_FOR = 3_600_000

/** A fresh store key of the shape the manager uses, so cases never collide on a shared engine. */
export function newKey(): string {
  return hashId(generateId())
}

/** A fresh user ID, so by-user assertions only ever see the case's own sessions. */
export function newUserId(): string {
  return `conformance-user-${generateId().slice(0, 22)}`
}

/** A complete, live record; `overrides` replace fields. */
export function makeRecord(t0: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    data: { cart: ['sku-1', 'sku-2'], count: 2, nested: { a: { b: [1, { c: true }] } } },
    userId: null,
    tenantId: 'tenant-1',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (conformance)',
    createdAt: t0,
    updatedAt: t0,
    lastSeenAt: t0,
    expiresAt: t0 + LIVE_FOR,
    ...overrides,
  }
}

/** A patch at time `at` that keeps the record alive for the rest of the case. */
export function makePatch(t0: number, change: Partial<SessionPatch> = {}): SessionPatch {
  return {
    set: {},
    remove: [],
    updatedAt: t0 + 1,
    lastSeenAt: t0 + 1,
    expiresAt: t0 + LIVE_FOR + 1,
    ...change,
  }
}

/** A JSON object that has `__proto__` as an ordinary own key, as JSON.parse builds it. */
export function withProtoKey(value: JsonObject): JsonObject {
  return JSON.parse(`{"__proto__":${JSON.stringify(value)}}`) as JsonObject
}

/** Reads a record that must be there, with a message naming what the case expected. */
export async function getLive(store: Store, key: string, now: number): Promise<SessionRecord> {
  const record = await store.get(key, now)
  assert.notEqual(record, null, `get(key, now) must return the record while now < expiresAt`)
  return record as SessionRecord
}

/** A store error that carries a stable code, as sessionkit's errors do. */
export function hasCode(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof Error, 'a store must reject with an Error')
    assert.equal((error as { code?: unknown }).code, code, `the error's code must be ${code}`)
    return true
  }
}

/** Keys the malformed-key cases use: empty, path traversal, too long, a space, a NUL. */
export const MALFORMED_KEYS: readonly string[] = [
  '',
  '../../etc/passwd',
  'a'.repeat(500),
  'x y',
  '\u0000',
]

/** Describes a malformed key in assertion messages without printing 500 characters. */
export function describeKey(key: string): string {
  return JSON.stringify(key.length > 20 ? `${key.slice(0, 10)}…(${key.length} chars)` : key)
}
