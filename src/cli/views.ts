/**
 * How a session is shown: the JSON shape of `list` and `show`, and the table row of `list`.
 * Sessions are shown by handle (the store key); the store has no raw ID to show.
 * @module
 */

import type { JsonObject, KeyedRecord } from '../core/store.js'
import { relativeTime, truncate } from './output.js'

/** One session in `--json` output. Times are ISO 8601. */
export interface SessionView {
  handle: string
  userId: string | null
  tenantId: string | null
  ip: string | null
  userAgent: string | null
  createdAt: string
  updatedAt: string
  lastSeenAt: string
  expiresAt: string
}

/** A session with its data, as `show --json` prints it. */
export interface SessionDetail extends SessionView {
  data: JsonObject
}

const iso = (ms: number) => new Date(ms).toISOString()

export function sessionView({ key, record }: KeyedRecord): SessionView {
  return {
    handle: key,
    userId: record.userId,
    tenantId: record.tenantId,
    ip: record.ip,
    userAgent: record.userAgent,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    lastSeenAt: iso(record.lastSeenAt),
    expiresAt: iso(record.expiresAt),
  }
}

export function sessionDetail(entry: KeyedRecord): SessionDetail {
  return { ...sessionView(entry), data: entry.record.data }
}

/** The columns of `list`. */
export const LIST_HEADERS = ['HANDLE', 'USER', 'IP', 'LAST SEEN', 'EXPIRES', 'USER AGENT'] as const

export function listRow({ key, record }: KeyedRecord, now: number): string[] {
  return [
    key,
    record.userId ?? '-',
    record.ip ?? '-',
    relativeTime(record.lastSeenAt, now),
    relativeTime(record.expiresAt, now),
    truncate(record.userAgent ?? '-', 40),
  ]
}
