/**
 * `sessionkit cleanup [--json]`: removes expired sessions (and tokens) now.
 * @module
 */

import { type CliContext, requireCapability } from '../context.js'
import { EXIT, type ExitCode } from '../errors.js'
import { toJson } from '../output.js'

export async function cleanupCommand(
  ctx: CliContext,
  options: { json?: boolean },
): Promise<ExitCode> {
  const removed = await ctx.withStore({ mustExist: true }, async (store) => {
    requireCapability(store, 'cleanup', 'cleanup')
    return (await store.cleanup?.(Date.now())) ?? 0
  })
  ctx.io.out(options.json ? toJson({ removed }) : `removed ${removed} expired session(s)`)
  return EXIT.ok
}
