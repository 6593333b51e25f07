/**
 * The copy at the heart of `migrate`: every live session from a source into a target store,
 * under the same key and with the same expiry, a bounded number of writes at a time; then the
 * check that every session written is live in the target.
 * @module
 */

import type { Store } from '../../core/store.js'
import type { MigrationSource } from './source.js'

export interface CopyOptions {
  /** Writes in flight at once. */
  concurrency: number
  /** Read and count, write nothing. */
  dryRun: boolean
  /** Called after each session is written (or counted, in a dry run). */
  onProgress?: (done: number) => void
  /** The time; a test may pass its own. @default Date.now */
  now?: () => number
}

/** A copy that stopped on a failed write; `written` says how far it got. */
export class CopyFailure extends Error {
  readonly written: number

  constructor(cause: unknown, written: number) {
    super('the migration stopped on a failed write', { cause })
    this.written = written
  }
}

/**
 * Copies every live session of `source` into `target`. Returns each key written with its
 * expiry, for {@link verifyCopy}. Writing is idempotent (a full replace under the same key),
 * so a migration that stopped can simply be run again.
 * @throws CopyFailure (with the store's error as `cause`) when a write fails; reading stops then.
 */
export async function copySessions(
  source: MigrationSource,
  target: Store,
  options: CopyOptions,
): Promise<Map<string, number>> {
  const now = options.now ?? Date.now
  const written = new Map<string, number>()
  const inFlight = new Set<Promise<void>>()
  let failure: { error: unknown } | null = null
  for await (const { key, record } of source.entries(now())) {
    if (failure !== null) break
    // A session that expired while the source was being read is not worth carrying over.
    if (record.expiresAt <= now()) {
      source.skipped.expired++
      continue
    }
    if (options.dryRun) {
      written.set(key, record.expiresAt)
      options.onProgress?.(written.size)
      continue
    }
    const task: Promise<void> = target.set(key, record).then(
      () => {
        written.set(key, record.expiresAt)
        options.onProgress?.(written.size)
      },
      (error: unknown) => {
        failure ??= { error }
      },
    )
    const tracked = task.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
    if (inFlight.size >= options.concurrency) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  if (failure !== null) throw new CopyFailure((failure as { error: unknown }).error, written.size)
  return written
}

/** What the final check found. */
export interface Verification {
  /** Sessions written that the target returns as live. */
  live: number
  /** Sessions written that have expired since: not an error. */
  expiredSince: number
  /** Sessions written that the target does not return although they should be live. */
  missing: number
}

/** Reads back every key written, `concurrency` at a time. */
export async function verifyCopy(
  target: Store,
  written: ReadonlyMap<string, number>,
  concurrency: number,
  now: () => number = Date.now,
): Promise<Verification> {
  const result: Verification = { live: 0, expiredSince: 0, missing: 0 }
  const keys = [...written.keys()]
  let next = 0
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string
      const at = now()
      if ((await target.get(key, at)) !== null) result.live++
      else if ((written.get(key) ?? 0) <= now()) result.expiredSince++
      else result.missing++
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker))
  return result
}
