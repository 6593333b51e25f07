/**
 * Converting between a SessionRecord and the fields of its Redis hash. Every field value is
 * JSON (a time is a JSON number, a null metadata field is `null`), so the Lua scripts can
 * compare metadata as plain strings and redis-cli shows readable values. A hash that does not
 * decode to a valid record reads as missing, as the store contract asks.
 * @module
 */

import { StoreError } from '../core/errors.js'
import { setOwn } from '../core/json.js'
import type { JsonObject, JsonValue, SessionRecord } from '../core/store.js'
import { DATA_FIELD, META_FIELD } from './redis-keys.js'

const NAME = 'redis'

/** The metadata fields, in the order they are written. */
export const META_KEYS = ['userId', 'tenantId', 'ip', 'userAgent'] as const
const TIME_KEYS = ['createdAt', 'updatedAt', 'lastSeenAt', 'expiresAt'] as const

/** A JSON text for `value`; refuses what JSON cannot carry instead of storing `undefined`. */
export function toJson(value: JsonValue, what: string): string {
  const text = JSON.stringify(value)
  if (typeof text !== 'string') throw new StoreError(NAME, `${what} is not JSON`)
  return text
}

/** Metadata must be a string or null; anything else would not round-trip. */
export function assertMetaValue(field: string, value: unknown): asserts value is string | null {
  if (value !== null && typeof value !== 'string') {
    throw new StoreError(NAME, `${field} must be a string or null`)
  }
}

/** The JSON text of a user ID as the scripts compare it (`null` for an anonymous session). */
export function userIdJson(userId: string | null): string {
  return JSON.stringify(userId)
}

/**
 * A time as Redis stores it: a JSON number. String() spells every finite number as
 * JSON.stringify does, several times faster; a non-finite one (refused before any write) is
 * JSON's `null`.
 */
export function timeText(ms: number): string {
  return Number.isFinite(ms) ? String(ms) : 'null'
}

/** An absolute expiry for PEXPIREAT / PXAT: whole milliseconds, at least 1 (0 is refused). */
export function expireAtArg(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)))
}

/** The field/value pairs of a whole record, flattened as HSET takes them. */
export function recordFields(record: SessionRecord): string[] {
  const fields: string[] = []
  for (const key of META_KEYS) {
    const value = record[key]
    assertMetaValue(key, value)
    fields.push(`${META_FIELD}${key}`, toJson(value, key))
  }
  for (const key of TIME_KEYS) fields.push(`${META_FIELD}${key}`, timeText(record[key]))
  for (const [key, value] of Object.entries(record.data)) {
    fields.push(`${DATA_FIELD}${key}`, toJson(value, `data key "${key}"`))
  }
  return fields
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return null
}

/**
 * HGETALL's reply as name/value pairs, whatever shape the client returns: a flat array (RESP2,
 * ioredis `call`), a Map or a plain object (node-redis with RESP3).
 */
export function hashEntries(reply: unknown): [string, string][] | null {
  const entries: [string, string][] = []
  const add = (name: unknown, value: unknown): boolean => {
    const n = text(name)
    const v = text(value)
    if (n === null || v === null) return false
    entries.push([n, v])
    return true
  }
  if (Array.isArray(reply)) {
    if (reply.length % 2 !== 0) return null
    for (let i = 0; i < reply.length; i += 2) if (!add(reply[i], reply[i + 1])) return null
    return entries
  }
  if (reply instanceof Map) {
    for (const [name, value] of reply) if (!add(name, value)) return null
    return entries
  }
  if (typeof reply === 'object' && reply !== null) {
    for (const [name, value] of Object.entries(reply)) if (!add(name, value)) return null
    return entries
  }
  return null
}

function parse(textValue: string): { ok: true; value: JsonValue } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(textValue) as JsonValue }
  } catch {
    return { ok: false }
  }
}

function metaText(value: JsonValue | undefined): value is string | null {
  return value === null || typeof value === 'string'
}

function isTime(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * The record of a flat name/value reply. Straight fields rather than a Map of entries: this
 * is every session read, and the client's CPU is the server's on a shared machine.
 */
function decodeFlat(reply: readonly unknown[]): SessionRecord | null {
  const data: JsonObject = {}
  let userId: JsonValue | undefined
  let tenantId: JsonValue | undefined
  let ip: JsonValue | undefined
  let userAgent: JsonValue | undefined
  let createdAt: JsonValue | undefined
  let updatedAt: JsonValue | undefined
  let lastSeenAt: JsonValue | undefined
  let expiresAt: JsonValue | undefined
  try {
    for (let i = 0; i < reply.length; i += 2) {
      const name = text(reply[i])
      const raw = text(reply[i + 1])
      if (name === null || raw === null) return null
      // Every field must be JSON, the ones not read included: a hash that is not, is not ours.
      const value = JSON.parse(raw) as JsonValue
      if (name.startsWith(DATA_FIELD)) {
        setOwn(data, name.slice(DATA_FIELD.length), value)
        continue
      }
      switch (name) {
        case 'm:userId':
          userId = value
          break
        case 'm:tenantId':
          tenantId = value
          break
        case 'm:ip':
          ip = value
          break
        case 'm:userAgent':
          userAgent = value
          break
        case 'm:createdAt':
          createdAt = value
          break
        case 'm:updatedAt':
          updatedAt = value
          break
        case 'm:lastSeenAt':
          lastSeenAt = value
          break
        case 'm:expiresAt':
          expiresAt = value
          break
      }
    }
  } catch {
    return null
  }
  if (!metaText(userId) || !metaText(tenantId) || !metaText(ip) || !metaText(userAgent)) {
    return null
  }
  if (!isTime(createdAt) || !isTime(updatedAt) || !isTime(lastSeenAt) || !isTime(expiresAt)) {
    return null
  }
  return { data, userId, tenantId, ip, userAgent, createdAt, updatedAt, lastSeenAt, expiresAt }
}

/** The record a session hash holds, or null when it is empty or malformed. */
export function decodeRecord(reply: unknown): SessionRecord | null {
  if (Array.isArray(reply)) {
    return reply.length === 0 || reply.length % 2 !== 0 ? null : decodeFlat(reply)
  }
  const entries = hashEntries(reply)
  return entries === null || entries.length === 0 ? null : decodeFlat(entries.flat())
}

/** A token's stored text: expiresAt first, so it reads well in redis-cli. */
export function encodeToken(value: JsonValue, expiresAt: number): string {
  return `{"expiresAt":${timeText(expiresAt)},"value":${toJson(value, 'the token value')}}`
}

/** A stored token's value when it is still alive at `now`; null when expired or malformed. */
export function decodeToken(reply: unknown, now: number): JsonValue | null {
  const stored = text(reply)
  if (stored === null) return null
  const parsed = parse(stored)
  if (!parsed.ok) return null
  const token = parsed.value
  if (typeof token !== 'object' || token === null || Array.isArray(token)) return null
  const { expiresAt, value } = token
  if (typeof expiresAt !== 'number' || expiresAt <= now || value === undefined) return null
  return value
}
