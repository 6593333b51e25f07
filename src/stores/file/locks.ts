import { link, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreError } from '../../core/errors.js'
import { hasCode } from './failures.js'
import { inDir } from './fs.js'
import { STORE_NAME, scratchName } from './layout.js'
import { isGoneLocalOwner, type LockOwner, newOwner, parseOwner } from './lock-owner.js'

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

/** Gives the lock back. Never throws: a lock that cannot be removed is taken over later. */
export type ReleaseLock = () => Promise<void>

const FIRST_DELAY_MS = 2
const MAX_DELAY_MS = 50

/** What a lock file says about itself; null when it does not exist. */
async function inspect(path: string): Promise<{ mtimeMs: number; owner: LockOwner | null } | null> {
  try {
    const { mtimeMs } = await stat(path)
    return { mtimeMs, owner: parseOwner(await readFile(path, 'utf8')) }
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null
    throw err
  }
}

/**
 * A lock is abandoned when its holder is certainly dead (a process of this machine that no
 * longer exists: taken over at once, so a crash blocks no one) or when it is older than
 * staleAfter (a holder on another machine, or one we cannot check).
 */
function isAbandoned(
  lock: { mtimeMs: number; owner: LockOwner | null },
  staleAfter: number,
): boolean {
  if (Date.now() - lock.mtimeMs > staleAfter) return true
  return lock.owner !== null && isGoneLocalOwner(lock.owner)
}

/**
 * Creates the lock file already holding `contents`; false when it exists. The contents go into
 * a scratch file first, which is then hard-linked to the lock's name: link fails when the name
 * exists, exactly like O_EXCL, and a lock file is never seen empty, so a process killed while
 * taking a lock still leaves its name in it and is recognised as dead at once.
 */
async function createSigned(
  path: string,
  contents: string,
  settings: FileLockSettings,
): Promise<boolean> {
  const dir = dirname(path)
  const scratch = join(dir, scratchName(basename(path), 'tmp'))
  await inDir(dir, settings.dirMode, () =>
    writeFile(scratch, contents, { mode: settings.fileMode, flag: 'wx' }),
  )
  try {
    await link(scratch, path)
    return true
  } catch (err) {
    if (hasCode(err, 'EEXIST')) {
      // NFS may answer a retried link with EEXIST although the first attempt succeeded.
      return (await stat(scratch)).nlink === 2
    }
    if (hasCode(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) {
      return createExclusive(path, contents, settings)
    }
    throw err
  } finally {
    await unlink(scratch).catch(() => undefined)
  }
}

/**
 * O_EXCL creation, for filesystems without hard links. The file is empty for a moment, and a
 * holder killed in that moment leaves a lock that is only taken over once stale.
 */
async function createExclusive(
  path: string,
  contents: string,
  settings: FileLockSettings,
): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'wx', settings.fileMode)
  } catch (err) {
    if (hasCode(err, 'EEXIST')) return false
    throw err
  }
  try {
    await handle.writeFile(contents, 'utf8')
    await handle.close()
  } catch (err) {
    // A lock we made but could not sign (disk full…) must not block anyone.
    await handle.close().catch(() => undefined)
    await unlink(path).catch(() => undefined)
    throw err
  }
  return true
}

/** Takes the lock if it is free; null when someone holds it. */
async function tryCreate(path: string, settings: FileLockSettings): Promise<ReleaseLock | null> {
  const owner = newOwner()
  if (!(await createSigned(path, JSON.stringify(owner), settings))) return null
  return async function releaseLock() {
    try {
      // Remove only our own lock: had we held it past staleAfter, another writer owns it now.
      if (parseOwner(await readFile(path, 'utf8'))?.nonce === owner.nonce) await unlink(path)
    } catch {
      // Left in place; it is taken over once abandoned.
    }
  }
}

/**
 * Removes the lock file at `path` if it is abandoned; true if the caller should try to take
 * the lock again at once. Several processes may find the same abandoned lock: each renames it
 * to a name of its own first, so only one of them gets it, and one that grabbed a live lock by
 * mistake (the abandoned one was replaced in between) puts it back.
 */
export async function removeIfAbandoned(path: string, staleAfter: number): Promise<boolean> {
  const lock = await inspect(path)
  if (lock === null) return true
  if (!isAbandoned(lock, staleAfter)) return false
  const claimed = join(dirname(path), scratchName(basename(path), 'stale'))
  try {
    await rename(path, claimed)
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return true
    throw err
  }
  try {
    const taken = await inspect(claimed)
    if (taken === null || isAbandoned(taken, staleAfter)) return true
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
 * Takes the cross-process lock at `path`: create it exclusively, and while another process
 * holds it, retry with a small growing backoff until `timeout`, taking it over once abandoned.
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
    if (await removeIfAbandoned(path, settings.staleAfter)) continue
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
