import { link, open, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreError } from '../../core/errors.js'
import { hasCode } from './failures.js'
import { inDir } from './fs.js'
import { STORE_NAME, scratchName } from './layout.js'

/**
 * One queue per name: callers run one at a time, in arrival order. Two hundred concurrent
 * patches of one session in one process wait here, in memory, instead of all polling the
 * lock file.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>()

  /** Runs `task` once every earlier task for `name` has settled. */
  async run<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve()
    let release = (): void => undefined
    const done = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => done)
    this.#tails.set(name, tail)
    await previous
    try {
      return await task()
    } finally {
      release()
      // The map holds only names with someone waiting, so it does not grow with every key seen.
      if (this.#tails.get(name) === tail) this.#tails.delete(name)
    }
  }

  /** How many names have a task running or queued (for tests). */
  get size(): number {
    return this.#tails.size
  }
}

/**
 * Shared by every FileStore in the process, keyed by lock file path, so two stores opened on
 * one directory queue in memory as well.
 */
export const processMutex = new KeyedMutex()

/** How a lock file is taken. */
export interface FileLockSettings {
  /** Milliseconds to keep trying before giving up with StoreError. */
  timeout: number
  /** Milliseconds after which a lock file is a crashed holder's and is taken over. */
  staleAfter: number
  fileMode: number
  dirMode: number
}

/** Gives the lock back. Never throws: a lock that cannot be removed is taken over once stale. */
export type ReleaseLock = () => Promise<void>

const FIRST_DELAY_MS = 2
const MAX_DELAY_MS = 50

interface Identity {
  ino: bigint
  mtimeNs: bigint
}

async function identityOf(path: string): Promise<Identity | null> {
  try {
    const { ino, mtimeNs } = await stat(path, { bigint: true })
    return { ino, mtimeNs }
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null
    throw err
  }
}

function isStale(mtimeMs: number, staleAfter: number): boolean {
  return Date.now() - mtimeMs > staleAfter
}

/** Creates the lock file with O_EXCL; null when it already exists. */
async function tryCreate(path: string, settings: FileLockSettings): Promise<ReleaseLock | null> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await inDir(dirname(path), settings.dirMode, () => open(path, 'wx', settings.fileMode))
  } catch (err) {
    if (hasCode(err, 'EEXIST')) return null
    throw err
  }
  let identity: Identity | null
  try {
    // Who holds it, for a human looking at a stuck lock; the store itself never reads it.
    await handle.writeFile(`${process.pid}@${hostname()}\n`, 'utf8')
    await handle.close()
    // Read through the path after close, as release will: on NFS, attributes seen through the
    // open handle may predate the flush.
    identity = await identityOf(path)
  } catch (err) {
    // A lock we made but cannot describe (disk full…) must not sit there until it is stale.
    await handle.close().catch(() => undefined)
    await unlink(path).catch(() => undefined)
    throw err
  }
  return async function releaseLock() {
    try {
      // Remove only our own lock: had we held it past staleAfter, another writer owns it now.
      const current = await identityOf(path)
      if (
        current &&
        identity &&
        current.ino === identity.ino &&
        current.mtimeNs === identity.mtimeNs
      ) {
        await unlink(path)
      }
    } catch {
      // Left in place; it goes stale and is taken over.
    }
  }
}

/**
 * Removes the lock file at `path` if it is stale; true if the caller should try to take the
 * lock again at once. Several processes may find the same stale lock: each renames it to a
 * name of its own first, so only one of them gets it, and whoever grabbed a fresh lock by
 * mistake (the stale one was already replaced) puts it back.
 */
export async function removeIfStale(path: string, staleAfter: number): Promise<boolean> {
  let mtimeMs: number
  try {
    mtimeMs = (await stat(path)).mtimeMs
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return true
    throw err
  }
  if (!isStale(mtimeMs, staleAfter)) return false
  const claimed = join(dirname(path), scratchName(basename(path), 'stale'))
  try {
    await rename(path, claimed)
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return true
    throw err
  }
  try {
    if (isStale((await stat(claimed)).mtimeMs, staleAfter)) return true
    await restore(claimed, path)
    return false
  } finally {
    await unlink(claimed).catch(() => undefined)
  }
}

/** Puts back a live lock taken by mistake, unless someone has taken the lock meanwhile. */
async function restore(claimed: string, path: string): Promise<void> {
  try {
    // link fails if `path` exists, where rename would silently replace a newer lock.
    await link(claimed, path)
  } catch (err) {
    if (hasCode(err, 'EEXIST')) return
    // A filesystem without hard links: a rename is the best that is left.
    await rename(claimed, path)
  }
}

/**
 * Takes the cross-process lock at `path`: create it with O_EXCL, and while another process
 * holds it, retry with a small growing backoff until `timeout`, taking it over once stale.
 */
export async function acquireFileLock(
  path: string,
  settings: FileLockSettings,
): Promise<ReleaseLock> {
  const deadline = performance.now() + settings.timeout
  let delay = FIRST_DELAY_MS
  for (;;) {
    const release = await tryCreate(path, settings)
    if (release) return release
    if (await removeIfStale(path, settings.staleAfter)) continue
    if (performance.now() >= deadline) {
      throw new StoreError(
        STORE_NAME,
        `timed out after ${settings.timeout} ms waiting for a lock held by another process; raise lockTimeout, or check for a stuck process`,
      )
    }
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, MAX_DELAY_MS)
  }
}
