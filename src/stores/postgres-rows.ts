/**
 * Converting between SessionRecord and the PostgreSQL row, and checking what is bound. A row
 * that does not decode to a valid record reads as missing, as the store contract asks for
 * malformed records.
 * @module
 */

import { StoreError } from '../core/errors.js'
import { encodeJson, isJsonObject } from '../core/json.js'
import type { JsonValue, SessionMeta, SessionRecord } from '../core/store.js'
import { POSTGRES_STORE_NAME } from './postgres-errors.js'

/**
 * The session columns as selected: `data` as text (parsed here, so a caller's pool with its own
 * jsonb type parser changes nothing) and the bigint times as pg returns them (strings by
 * default; numbers or bigints under a custom parser).
 */
export const SESSION_SELECT =
  'data::text AS data, user_id, tenant_id, ip, user_agent, created_at, updated_at, last_seen_at, expires_at'

/** A selected row of `<prefix>sessions`, without its key. */
export interface SessionRow {
  data: unknown
  user_id: unknown
  tenant_id: unknown
  ip: unknown
  user_agent: unknown
  created_at: unknown
  updated_at: unknown
  last_seen_at: unknown
  expires_at: unknown
}

/** A selected row with its key, as listing and iteration return it. */
export interface KeyedSessionRow extends SessionRow {
  key: string
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string'
}

/** JSON text, parsed; undefined when it is damaged. JSON.parse keeps `__proto__` an own key. */
export function parseJson(text: unknown): JsonValue | undefined {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return undefined
  }
}

function time(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    return null
  }
  const number = Number(value)
  return Number.isSafeInteger(number) ? number : null
}

/** The record a row holds, or null when the row is malformed. */
export function rowToRecord(row: SessionRow): SessionRecord | null {
  const data = parseJson(row.data)
  if (!isJsonObject(data)) return null
  const { user_id, tenant_id, ip, user_agent } = row
  if (
    !isNullableString(user_id) ||
    !isNullableString(tenant_id) ||
    !isNullableString(ip) ||
    !isNullableString(user_agent)
  ) {
    return null
  }
  const createdAt = time(row.created_at)
  const updatedAt = time(row.updated_at)
  const lastSeenAt = time(row.last_seen_at)
  const expiresAt = time(row.expires_at)
  if (createdAt === null || updatedAt === null || lastSeenAt === null || expiresAt === null) {
    return null
  }
  return {
    data,
    userId: user_id,
    tenantId: tenant_id,
    ip,
    userAgent: user_agent,
    createdAt,
    updatedAt,
    lastSeenAt,
    expiresAt,
  }
}

/**
 * A time as bound to a bigint column. The store keeps whole milliseconds: a fraction would be
 * refused by PostgreSQL with a message quoting the value, so it is refused here first.
 */
export function timeValue(value: number, field: string): string {
  if (!Number.isSafeInteger(value)) {
    throw new StoreError(POSTGRES_STORE_NAME, `${field} must be a whole number of milliseconds`)
  }
  return String(value)
}

/**
 * `now` as compared with expires_at. Rounding down is exact for the integer expiries stored:
 * for a whole `e`, `now < e` exactly when `floor(now) < e`.
 */
export function nowValue(now: number): string {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new StoreError(POSTGRES_STORE_NAME, 'now must be a finite epoch-milliseconds number')
  }
  return String(Math.floor(now))
}

/** A metadata field as bound: pg would silently turn a number into text, so refuse it. */
export function metaValue(value: unknown, field: keyof SessionMeta): string | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') {
    throw new StoreError(POSTGRES_STORE_NAME, `${field} must be a string or null`)
  }
  return value
}

/** A JSON value as bound to a jsonb parameter (always text: pg would turn an array into a SQL array). */
export function jsonValue(value: JsonValue, what: string): string {
  return encodeJson(POSTGRES_STORE_NAME, value, what)
}

/** The bind values that store `record`, in the order of the INSERT's columns after `key`. */
export function recordValues(record: SessionRecord): (string | null)[] {
  return [
    jsonValue(record.data, 'the session data'),
    metaValue(record.userId, 'userId'),
    metaValue(record.tenantId, 'tenantId'),
    metaValue(record.ip, 'ip'),
    metaValue(record.userAgent, 'userAgent'),
    timeValue(record.createdAt, 'createdAt'),
    timeValue(record.updatedAt, 'updatedAt'),
    timeValue(record.lastSeenAt, 'lastSeenAt'),
    timeValue(record.expiresAt, 'expiresAt'),
  ]
}

/** Rows to keyed records, dropping malformed rows. */
export function keyedRecords(rows: KeyedSessionRow[]): { key: string; record: SessionRecord }[] {
  const result: { key: string; record: SessionRecord }[] = []
  for (const row of rows) {
    const record = rowToRecord(row)
    if (record !== null) result.push({ key: row.key, record })
  }
  return result
}
