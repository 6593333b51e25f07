import type {
  JsonObject,
  JsonValue,
  RecordTimes,
  SessionPatch,
  SessionRecord,
  TokenRecord,
} from '../../core/store.js'

/**
 * On-disk format version. A file with another version was written by another sessionkit
 * version: it reads as missing and cleanup leaves it alone.
 */
const FORMAT = 1

/** What a file turned out to hold. */
export type Decoded<T> =
  | { kind: 'ok'; value: T }
  /** Not JSON, or not the shape this version writes: unreadable for good. */
  | { kind: 'corrupt' }
  /** Another format version. */
  | { kind: 'foreign' }

const CORRUPT = { kind: 'corrupt' } as const

type Envelope = { v: number } & Record<string, unknown>

function parseEnvelope(text: string): Envelope | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null
  const { v } = parsed as { v?: unknown }
  return typeof v === 'number' ? (parsed as Envelope) : null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string'
}

/** Exactly the fields of a record, so nothing else a caller attached is ever persisted. */
function pick(record: SessionRecord): SessionRecord {
  return {
    data: record.data,
    userId: record.userId ?? null,
    tenantId: record.tenantId ?? null,
    ip: record.ip ?? null,
    userAgent: record.userAgent ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
  }
}

/** The file contents for a session record. */
export function encodeRecord(record: SessionRecord): string {
  return JSON.stringify({ v: FORMAT, record: pick(record) })
}

/** A session record read back from a file, checked field by field. */
export function decodeRecord(text: string): Decoded<SessionRecord> {
  const envelope = parseEnvelope(text)
  if (!envelope) return CORRUPT
  if (envelope.v !== FORMAT) return { kind: 'foreign' }
  const record = envelope.record
  if (!isObject(record) || !isObject(record.data)) return CORRUPT
  const { userId, tenantId, ip, userAgent, createdAt, updatedAt, lastSeenAt, expiresAt } = record
  if (![createdAt, updatedAt, lastSeenAt, expiresAt].every(isTime)) return CORRUPT
  if (![userId, tenantId, ip, userAgent].every(isNullableString)) return CORRUPT
  return {
    kind: 'ok',
    value: {
      data: record.data as JsonObject,
      userId: userId as string | null,
      tenantId: tenantId as string | null,
      ip: ip as string | null,
      userAgent: userAgent as string | null,
      createdAt: createdAt as number,
      updatedAt: updatedAt as number,
      lastSeenAt: lastSeenAt as number,
      expiresAt: expiresAt as number,
    },
  }
}

/** The file contents for a single-use token. */
export function encodeToken(token: TokenRecord): string {
  return JSON.stringify({ v: FORMAT, token: { value: token.value, expiresAt: token.expiresAt } })
}

/** A token read back from a file. */
export function decodeToken(text: string): Decoded<TokenRecord> {
  const envelope = parseEnvelope(text)
  if (!envelope) return CORRUPT
  if (envelope.v !== FORMAT) return { kind: 'foreign' }
  const token = envelope.token
  if (!isObject(token) || !isTime(token.expiresAt) || !('value' in token)) return CORRUPT
  return { kind: 'ok', value: { value: token.value as JsonValue, expiresAt: token.expiresAt } }
}

/**
 * The record with the change set applied: removed keys first, then set keys, so a key named in
 * both ends up set. Built through a Map so a key such as `__proto__` is stored as plain data.
 */
export function applyPatch(record: SessionRecord, patch: SessionPatch): SessionRecord {
  const data = new Map<string, JsonValue>(Object.entries(record.data))
  for (const key of patch.remove ?? []) data.delete(key)
  for (const [key, value] of Object.entries(patch.set ?? {})) data.set(key, value)
  const meta = patch.meta ?? {}
  return {
    data: Object.fromEntries(data),
    userId: meta.userId !== undefined ? meta.userId : record.userId,
    tenantId: meta.tenantId !== undefined ? meta.tenantId : record.tenantId,
    ip: meta.ip !== undefined ? meta.ip : record.ip,
    userAgent: meta.userAgent !== undefined ? meta.userAgent : record.userAgent,
    createdAt: record.createdAt,
    updatedAt: patch.updatedAt,
    lastSeenAt: patch.lastSeenAt,
    expiresAt: patch.expiresAt,
  }
}

/** The record with new lastSeenAt and expiresAt, everything else as it was. */
export function applyTouch(record: SessionRecord, times: RecordTimes): SessionRecord {
  return { ...record, lastSeenAt: times.lastSeenAt, expiresAt: times.expiresAt }
}
