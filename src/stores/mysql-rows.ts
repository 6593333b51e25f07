/**
 * Converting between SessionRecord and the MySQL row. A row that does not decode to a valid
 * record reads as missing, as the store contract asks for malformed records.
 * @module
 */

import { StoreError } from '../core/errors.js'
import { encodeJson as encodeStoreJson, isJsonObject } from '../core/json.js'
import type { JsonObject, JsonValue, SessionMeta, SessionRecord } from '../core/store.js'
import { STORE_NAME } from './mysql-driver.js'

/** The columns of `<prefix>sessions` after `key`, in the order {@link recordToValues} binds them. */
export const SESSION_COLUMNS =
  '`data`, `user_id`, `tenant_id`, `ip`, `user_agent`, `created_at`, `updated_at`, `last_seen_at`, `expires_at`'

/** A row of `<prefix>sessions` as the store selects it. Times may come back as strings. */
export interface SessionRow {
  key?: unknown
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

/** The bind values of an insert, in {@link SESSION_COLUMNS} order. */
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

/** The metadata fields, with their columns and the most characters each column holds. */
export const META_COLUMNS: ReadonlyArray<{
  field: keyof SessionMeta
  column: string
  maxLength: number
}> = [
  { field: 'userId', column: '`user_id`', maxLength: 255 },
  { field: 'tenantId', column: '`tenant_id`', maxLength: 255 },
  { field: 'ip', column: '`ip`', maxLength: 255 },
  // TEXT holds 65,535 bytes: a quarter of that in 4-byte characters always fits.
  { field: 'userAgent', column: '`user_agent`', maxLength: 16_383 },
]

/**
 * The column names mysql2 must hand over as text. MySQL sends JSON columns as binary and
 * mysql2 would parse them itself (differently on MariaDB, and with a user's `supportBigNumbers`
 * reviving big numbers as strings); parsing here keeps every number and `__proto__` exact.
 */
const JSON_TEXT_COLUMNS = new Set(['data', 'value'])

/** The field mysql2 hands a typeCast function (the part used here). */
interface CastField {
  name: string
  string(encoding?: string): string | null
}

/** A per-query typeCast that returns the JSON columns as UTF-8 text and leaves the rest alone. */
export function jsonAsText(field: CastField, next: () => unknown): unknown {
  return JSON_TEXT_COLUMNS.has(field.name) ? field.string('utf8') : next()
}

/** JSON text from the database, parsed; undefined when it is not text or not JSON. */
export function parseJsonText(text: unknown): JsonValue | undefined {
  const source = Buffer.isBuffer(text) ? text.toString('utf8') : text
  if (typeof source !== 'string') return undefined
  try {
    return JSON.parse(source) as JsonValue
  } catch {
    return undefined
  }
}

/** The session data in a row, or null when the JSON is damaged or not an object. */
export function decodeData(text: unknown): JsonObject | null {
  const data = parseJsonText(text)
  return isJsonObject(data) ? data : null
}

/** A BIGINT as mysql2 returns it (a number, or a string with `supportBigNumbers`). */
function toTime(value: unknown): number | null {
  const time = typeof value === 'string' ? Number(value) : value
  return typeof time === 'number' && Number.isFinite(time) ? time : null
}

function toNullableString(value: unknown): string | null | undefined {
  if (value === null || typeof value === 'string') return value
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined
}

/** The record a row holds, or null when the row is malformed. */
export function rowToRecord(row: SessionRow): SessionRecord | null {
  const data = decodeData(row.data)
  if (data === null) return null
  const userId = toNullableString(row.user_id)
  const tenantId = toNullableString(row.tenant_id)
  const ip = toNullableString(row.ip)
  const userAgent = toNullableString(row.user_agent)
  if (userId === undefined || tenantId === undefined || ip === undefined) return null
  if (userAgent === undefined) return null
  const createdAt = toTime(row.created_at)
  const updatedAt = toTime(row.updated_at)
  const lastSeenAt = toTime(row.last_seen_at)
  const expiresAt = toTime(row.expires_at)
  if (createdAt === null || updatedAt === null || lastSeenAt === null || expiresAt === null) {
    return null
  }
  return { data, userId, tenantId, ip, userAgent, createdAt, updatedAt, lastSeenAt, expiresAt }
}

/**
 * A metadata field as bound. MySQL would coerce a number to text and, outside strict mode,
 * silently cut a long string (so a user's sessions would no longer be found by user ID):
 * refuse both with a clear error instead.
 */
export function metaValue(value: unknown, field: keyof SessionMeta): string | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') {
    throw new StoreError(STORE_NAME, `${field} must be a string or null`)
  }
  const limit = META_COLUMNS.find((meta) => meta.field === field)?.maxLength ?? 255
  // VARCHAR(n) counts characters (code points), not UTF-16 units.
  if (value.length > limit && [...value].length > limit) {
    throw new StoreError(STORE_NAME, `${field} is longer than ${limit} characters`)
  }
  return value
}

/** JSON text for a value; throws StoreError for something JSON cannot carry. */
export function encodeJson(value: unknown, what: string): string {
  return encodeStoreJson(STORE_NAME, value, what)
}

/** The bind values that store `record`; throws StoreError for a field MySQL cannot hold. */
export function recordToValues(record: SessionRecord): SessionValues {
  return [
    encodeJson(record.data, 'the session data'),
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
