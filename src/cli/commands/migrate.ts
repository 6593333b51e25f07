/**
 * `sessionkit migrate --to URL [--from URL]`: copies every live session from one store to
 * another, keeping keys (so cookies keep working) and expiry, then checks the count.
 * `--from` may also name a connect-redis or connect-pg-simple store (express-session).
 * @module
 */

import { isSealedCookieBackend } from '../../core/sealed.js'
import type { Store } from '../../core/store.js'
import { parseDuration } from '../../core/time.js'
import type { CliContext } from '../context.js'
import { CliError, EXIT, type ExitCode, usageError } from '../errors.js'
import { CopyFailure, copySessions, type Verification, verifyCopy } from '../migrate/copy.js'
import type { LegacyOptions } from '../migrate/legacy.js'
import { openSource } from '../migrate/open-source.js'
import { progressBar } from '../migrate/progress.js'
import type { MigrationSource } from '../migrate/source.js'
import { redactUrl, toJson } from '../output.js'

export interface MigrateOptions {
  from?: string
  to: string
  concurrency?: number
  dryRun?: boolean
  userField?: string
  defaultTtl?: string
  /** false with --no-progress. */
  progress?: boolean
  json?: boolean
}

/** Writes in flight at once unless --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 16

function legacyOptions(options: MigrateOptions): LegacyOptions {
  return {
    ...(options.userField === undefined ? {} : { userField: options.userField }),
    ...(options.defaultTtl === undefined
      ? {}
      : { defaultTtlMs: parseDuration(options.defaultTtl, 'default-ttl') }),
  }
}

function openTarget(ctx: CliContext, url: string): Store {
  const target = ctx.openStore(url, { mustExist: false })
  if (isSealedCookieBackend(target)) {
    void target.close()
    throw usageError(
      'the cookie: store keeps sessions in browsers, so nothing can be migrated into it',
    )
  }
  return target
}

async function run(
  ctx: CliContext,
  source: MigrationSource,
  target: Store,
  options: MigrateOptions,
) {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  const drawn = ctx.io.interactive && options.progress !== false && !options.json
  let total = 0
  if (drawn) {
    ctx.io.err('counting sessions…')
    total = await source.count(Date.now())
  }
  const progress = progressBar(drawn, ctx.io.progressStream, total)
  let written: Map<string, number>
  try {
    written = await copySessions(source, target, {
      concurrency,
      dryRun: options.dryRun === true,
      onProgress: (done) => progress.update(done),
    })
  } catch (error) {
    progress.stop()
    if (!(error instanceof CopyFailure)) throw error
    ctx.io.err(
      `sessionkit: ${error.written} session(s) were migrated before a write failed; running the same command again is safe`,
    )
    throw error.cause
  }
  progress.stop()
  const check: Verification | null = options.dryRun
    ? null
    : await verifyCopy(target, written, concurrency)
  return { migrated: written.size, check }
}

export async function migrateCommand(ctx: CliContext, options: MigrateOptions): Promise<ExitCode> {
  const fromUrl = options.from ?? ctx.storeUrl()
  if (fromUrl.trim() === options.to.trim()) {
    throw usageError('--from and --to name the same store')
  }
  const legacy = legacyOptions(options)
  const source = await openSource(ctx, fromUrl, legacy)
  let target: Store | undefined
  try {
    target = openTarget(ctx, options.to)
    const { migrated, check } = await run(ctx, source, target, options)
    const ok = check === null || check.missing === 0
    const summary = {
      from: redactUrl(fromUrl),
      to: redactUrl(options.to),
      dryRun: options.dryRun === true,
      migrated,
      skipped: source.skipped,
      check,
      ok,
    }
    if (options.json) {
      ctx.io.out(toJson(summary))
    } else {
      const { expired, unreadable, noExpiry } = source.skipped
      const verb = options.dryRun ? 'would migrate' : 'migrated'
      const lines = [
        `${verb} ${migrated} session(s) from ${source.name} to ${target.name}`,
        `skipped: ${expired} expired, ${unreadable} unreadable, ${noExpiry} without an expiry`,
      ]
      if (check !== null) {
        const since = check.expiredSince > 0 ? ` (${check.expiredSince} expired since)` : ''
        lines.push(
          `check: ${check.live} of ${migrated} migrated session(s) are live in ${target.name}${since}`,
        )
      }
      ctx.io.out(lines.join('\n'))
    }
    if (!ok) {
      throw new CliError(
        'SESSIONKIT_MIGRATION_INCOMPLETE',
        `${check?.missing} migrated session(s) cannot be read back from the target`,
        EXIT.failure,
      )
    }
    return EXIT.ok
  } finally {
    await source.close().catch(() => {})
    await target?.close().catch(() => {})
  }
}
