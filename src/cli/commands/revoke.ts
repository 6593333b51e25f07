/**
 * `sessionkit revoke <handle-or-id> [--json]`: ends one session now.
 * @module
 */

import type { CliContext } from '../context.js'
import { EXIT, type ExitCode, notFoundError } from '../errors.js'
import { toJson } from '../output.js'
import { findSession } from '../session-ref.js'

export async function revokeCommand(
  ctx: CliContext,
  ref: string,
  options: { json?: boolean },
): Promise<ExitCode> {
  const now = Date.now()
  const revoked = await ctx.withStore({ mustExist: true }, async (store) => {
    const found = await findSession(store, ref, now)
    if (found === null) return null
    await store.destroy(found.key)
    return found
  })
  if (revoked === null) throw notFoundError('no live session has that handle or ID')
  const result = { revoked: revoked.key, userId: revoked.record.userId }
  ctx.io.out(options.json ? toJson(result) : `revoked session ${revoked.key}`)
  return EXIT.ok
}
