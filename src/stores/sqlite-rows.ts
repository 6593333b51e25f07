/**
 * Converting between SessionRecord and the SQLite row. A row that does not decode to a valid
 * record reads as missing, as the store contract asks for malformed records.
 * @module
 */

import { StoreError } from '../core/errors.js'
import { encodeJson, isJsonObject } from '../core/json.js'
import type { JsonObject, SessionRecord } from '../core/store.js'

/** A row of `<prefix>sessions`, without its key. */
export interface SessionRow {
  data: string
  user_id: string | null
  tenant_id: string | null
  ip: string | null
  user_agent: string | null
  created_at: number
  updated_at: number
  last_seen_at: number
  expires_at: number
}

/** A row of `<prefix>sessions` with its key, as listing returns it. */
export interface KeyedSessionRow extends SessionRow {
  key: string
}

/** The bind values of an insert, in column order after `key`. */
export type SessionValues = [
  data: string,
  userId: string | null,
  tenantId: string | null,
  ip: string | null,
  userAgent: string | null,
  createdAt: number,
  updatedAt: number,
  lastSeenAt: number,
  expiresAt: number,
]

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string'
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** The session data in a row, or null when the JSON is damaged or not an object. */
export function decodeData(text: string): JsonObject | null {
  try {
    const data: unknown = JSON.parse(text)
    return isJsonObject(data) ? data : null
  } catch {
    return null
  }
}

/** The record a row holds, or null when the row is malformed. */
export function rowToRecord(row: SessionRow): SessionRecord | null {
  const data = decodeData(row.data)
  if (data === null) return null
  const { user_id, tenant_id, ip, user_agent } = row
  if (![user_id, tenant_id, ip, user_agent].every(isNullableString)) return null
  const { created_at, updated_at, last_seen_at, expires_at } = row
  if (![created_at, updated_at, last_seen_at, expires_at].every(isTime)) return null
  return {
    data,
    userId: user_id,
    tenantId: tenant_id,
    ip,
    userAgent: user_agent,
    createdAt: created_at,
    updatedAt: updated_at,
    lastSeenAt: last_seen_at,
    expiresAt: expires_at,
  }
}

/** A metadata field as bound: SQLite would silently turn a number into text, so refuse it. */
function metaValue(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') throw new StoreError('sqlite', `${field} must be a string or null`)
  return value
}

/** The bind values that store `record`; throws StoreError for a field SQLite cannot hold. */
export function recordToValues(record: SessionRecord): SessionValues {
  return [
    encodeJson('sqlite', record.data, 'the session data'),
    metaValue(record.userId, 'userId'),
    metaValue(record.tenantId, 'tenantId'),
    metaValue(record.ip, 'ip'),
    metaValue(record.userAgent, 'userAgent'),
    record.createdAt,
    record.updatedAt,
    record.lastSeenAt,
    record.expiresAt,
  ]
}

export { setOwn } from '../core/json.js'
