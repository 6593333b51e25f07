import { InvalidStoreKeyError, StoreError } from './errors.js'
import { isValidStoreKey } from './ids.js'
import type { RecordTimes, SessionPatch, SessionRecord, TokenRecord } from './store.js'

/** Throws InvalidStoreKeyError unless `key` is a valid store key. For writes. */
export function assertStoreKey(key: unknown): asserts key is string {
  if (!isValidStoreKey(key)) throw new InvalidStoreKeyError()
}

function assertTime(store: string, value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StoreError(store, `${field} must be a finite epoch-milliseconds number`)
  }
}

/** A write without a valid expiry is refused, so no record can live forever. */
export function assertTimes(store: string, times: RecordTimes): void {
  assertTime(store, times.lastSeenAt, 'lastSeenAt')
  assertTime(store, times.expiresAt, 'expiresAt')
}

export function assertRecord(store: string, record: SessionRecord): void {
  assertTimes(store, record)
  assertTime(store, record.createdAt, 'createdAt')
  assertTime(store, record.updatedAt, 'updatedAt')
  if (typeof record.data !== 'object' || record.data === null || Array.isArray(record.data)) {
    throw new StoreError(store, 'record.data must be a JSON object')
  }
}

export function assertPatch(store: string, patch: SessionPatch): void {
  assertTimes(store, patch)
  assertTime(store, patch.updatedAt, 'updatedAt')
}

export function assertToken(store: string, token: TokenRecord): void {
  assertTime(store, token.expiresAt, 'expiresAt')
}
