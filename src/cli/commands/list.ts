/**
 * `sessionkit list [--user U] [--limit N] [--json]`: live sessions, most recently seen first.
 * @module
 */

import type { KeyedRecord } from '../../core/store.js'
import { type CliContext, requireCapability } from '../context.js'
import { EXIT, type ExitCode } from '../errors.js'
import { table, toJson } from '../output.js'
import { LIST_HEADERS, listRow, sessionView } from '../views.js'

export interface ListOptions {
  user?: string
  limit?: number
  json?: boolean
}

export async function listCommand(ctx: CliContext, options: ListOptions): Promise<ExitCode> {
  const now = Date.now()
  const entries = await ctx.withStore({ mustExist: true }, async (store) => {
    if (options.user !== undefined) {
      requireCapability(store, 'byUser', 'listing sessions by user')
      return (await store.listByUser?.(options.user, now)) ?? []
    }
    requireCapability(store, 'iterate', 'listing every session')
    const all: KeyedRecord[] = []
    for await (const entry of store.entries?.(now) ?? []) all.push(entry)
    return all
  })
  const shown = entries
    .filter(({ record }) => record.expiresAt > now)
    .sort((a, b) => b.record.lastSeenAt - a.record.lastSeenAt)
    .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
  if (options.json) {
    ctx.io.out(toJson(shown.map(sessionView)))
  } else if (shown.length === 0) {
    ctx.io.out(
      options.user === undefined ? 'no live sessions' : `no live sessions of user ${options.user}`,
    )
  } else {
    ctx.io.out(
      table(
        LIST_HEADERS,
        shown.map((entry) => listRow(entry, now)),
      ),
    )
  }
  return EXIT.ok
}
