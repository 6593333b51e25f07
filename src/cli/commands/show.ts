/**
 * `sessionkit show <handle-or-id> [--json]`: one session with its data.
 * @module
 */

import type { CliContext } from '../context.js'
import { EXIT, type ExitCode, notFoundError } from '../errors.js'
import { relativeTime, table, toJson } from '../output.js'
import { findSession } from '../session-ref.js'
import { sessionDetail } from '../views.js'

export async function showCommand(
  ctx: CliContext,
  ref: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  const now = Date.now()
  const found = await ctx.withStore({ mustExist: true }, (store) => findSession(store, ref, now))
  if (found === null) throw notFoundError('no live session has that handle or ID')
  const detail = sessionDetail(found)
  if (options.json) {
    ctx.io.out(toJson(detail))
    return EXIT.ok
  }
  const { record } = found
  const at = (ms: number) => `${new Date(ms).toISOString()} (${relativeTime(ms, now)})`
  const rows = [
    ['handle', detail.handle],
    ['user', record.userId ?? '-'],
    ['tenant', record.tenantId ?? '-'],
    ['ip', record.ip ?? '-'],
    ['user agent', record.userAgent ?? '-'],
    ['created', at(record.createdAt)],
    ['updated', at(record.updatedAt)],
    ['last seen', at(record.lastSeenAt)],
    ['expires', at(record.expiresAt)],
  ]
  ctx.io.out(`${table(['FIELD', 'VALUE'], rows)}\n\ndata:\n${toJson(record.data)}`)
  return EXIT.ok
}
