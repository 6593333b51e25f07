/**
 * `sessionkit revoke-user <user> [--except <handle-or-id>] [--json]`: signs a user out
 * everywhere, or everywhere but one session.
 * @module
 */

import { type CliContext, requireCapability } from '../context.js'
import { EXIT, type ExitCode, notFoundError } from '../errors.js'
import { toJson } from '../output.js'
import { findSession } from '../session-ref.js'

export async function revokeUserCommand(
  ctx: CliContext,
  userId: string,
  options: { except?: string; json?: boolean },
): Promise<ExitCode> {
  const now = Date.now()
  const result = await ctx.withStore({ mustExist: true }, async (store) => {
    requireCapability(store, 'byUser', 'revoking sessions by user')
    let kept: string | null = null
    if (options.except !== undefined) {
      // Revoking everything because the session to keep was mistyped would be the worst outcome.
      const found = await findSession(store, options.except, now)
      if (found === null || found.record.userId !== userId) {
        throw notFoundError(
          `the session given to --except is not a live session of user ${userId}; nothing was revoked`,
        )
      }
      kept = found.key
    }
    const revoked =
      (await store.destroyByUser?.(userId, kept === null ? undefined : { exceptKey: kept })) ?? 0
    return { userId, revoked, kept }
  })
  if (options.json) {
    ctx.io.out(toJson(result))
  } else {
    const keep = result.kept === null ? '' : ` (kept ${result.kept})`
    ctx.io.out(`revoked ${result.revoked} session(s) of user ${userId}${keep}`)
  }
  return EXIT.ok
}
