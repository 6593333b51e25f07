/**
 * `sessionkit stats [--json]`: how many live sessions there are, by user and by how soon they
 * expire. Reads every session once through the store's iteration.
 * @module
 */

import type { KeyedRecord } from '../../core/store.js'
import { type CliContext, requireCapability } from '../context.js'
import { EXIT, type ExitCode } from '../errors.js'
import { pairs, table, toJson } from '../output.js'

/** Expiry buckets, each session counted in the first one it fits. */
export const EXPIRY_BUCKETS: readonly (readonly [label: string, withinMs: number])[] = [
  ['<1h', 3_600_000],
  ['<24h', 86_400_000],
  ['<7d', 7 * 86_400_000],
  ['>=7d', Number.POSITIVE_INFINITY],
]

/** The `stats --json` object. */
export interface SessionStats {
  /** Live sessions. */
  sessions: number
  /** Distinct users with at least one live session. */
  users: number
  /** Live sessions bound to no user. */
  anonymous: number
  /** Live sessions per user ID. */
  byUser: Record<string, number>
  /** Live sessions per expiry bucket (`<1h`, `<24h`, `<7d`, `>=7d`). */
  byExpiry: Record<string, number>
}

/** Counts live sessions; `entries` may be any store's iteration. */
export async function computeStats(
  entries: AsyncIterable<KeyedRecord> | Iterable<KeyedRecord>,
  now: number,
): Promise<SessionStats> {
  const byUser = new Map<string, number>()
  const byExpiry: Record<string, number> = Object.fromEntries(
    EXPIRY_BUCKETS.map(([label]) => [label, 0]),
  )
  let sessions = 0
  let anonymous = 0
  for await (const { record } of entries) {
    if (record.expiresAt <= now) continue
    sessions++
    if (record.userId === null) anonymous++
    else byUser.set(record.userId, (byUser.get(record.userId) ?? 0) + 1)
    const left = record.expiresAt - now
    const bucket = EXPIRY_BUCKETS.find(([, within]) => left < within)
    if (bucket) byExpiry[bucket[0]] = (byExpiry[bucket[0]] ?? 0) + 1
  }
  const sorted = [...byUser].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return { sessions, users: byUser.size, anonymous, byUser: Object.fromEntries(sorted), byExpiry }
}

const TOP_USERS = 10

export async function statsCommand(
  ctx: CliContext,
  options: { json?: boolean },
): Promise<ExitCode> {
  const now = Date.now()
  const stats = await ctx.withStore({ mustExist: true }, async (store) => {
    requireCapability(store, 'iterate', 'iterating sessions (stats)')
    return computeStats(store.entries?.(now) ?? [], now)
  })
  if (options.json) {
    ctx.io.out(toJson(stats))
    return EXIT.ok
  }
  const summary = pairs([
    ['live sessions', String(stats.sessions)],
    ['users', String(stats.users)],
    ['anonymous', String(stats.anonymous)],
  ])
  const expiry = table(
    ['EXPIRES', 'SESSIONS'],
    Object.entries(stats.byExpiry).map(([label, count]) => [label, String(count)]),
  )
  const top = Object.entries(stats.byUser).slice(0, TOP_USERS)
  const users =
    top.length === 0
      ? ''
      : `\n\n${table(
          ['USER', 'SESSIONS'],
          top.map(([user, count]) => [user, String(count)]),
        )}${stats.users > TOP_USERS ? `\n(top ${TOP_USERS} of ${stats.users} users; --json lists all)` : ''}`
  ctx.io.out(`${summary}\n\n${expiry}${users}`)
  return EXIT.ok
}
