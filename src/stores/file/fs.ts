import { open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { makeDirs } from '../make-dirs.js'
import { hasCode } from './failures.js'
import { scratchName } from './layout.js'

/** The file's text, or null when it does not exist. Any other failure is thrown. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null
    throw err
  }
}

/**
 * Makes a directory entry change (a rename, a new or removed file) durable. Some platforms and
 * filesystems cannot open or sync a directory; there the rename is as durable as it gets.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (err) {
    if (!hasCode(err, 'EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF', 'EACCES')) throw err
  } finally {
    await handle?.close()
  }
}

/** Removes `path`; true if it was there. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return false
    throw err
  }
}

/**
 * Runs `action`; if it fails because `dir` has gone (someone removed the store's directory
 * while it was open), recreates `dir` and tries again, so the store heals by itself.
 */
export async function inDir<T>(dir: string, mode: number, action: () => Promise<T>): Promise<T> {
  // A few rounds, because cleanup may remove an empty directory between our mkdir and action.
  for (let attempt = 1; ; attempt++) {
    try {
      return await action()
    } catch (err) {
      if (!hasCode(err, 'ENOENT') || attempt === 3) throw err
      await makeDirs(dir, mode)
    }
  }
}

/**
 * Replaces `path` with `contents` so that every reader, and the disk after a crash, sees the
 * old file or the new one, never a mix: write a temp file beside it, fsync, rename over the
 * target, fsync the directory.
 */
export async function writeFileAtomic(
  path: string,
  contents: string,
  modes: { fileMode: number; dirMode: number },
): Promise<void> {
  const dir = dirname(path)
  const temp = join(dir, scratchName(basename(path), 'tmp'))
  await inDir(dir, modes.dirMode, async () => {
    const handle = await open(temp, 'wx', modes.fileMode)
    try {
      await handle.writeFile(contents, 'utf8')
      await handle.sync()
    } catch (err) {
      await handle.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      throw err
    }
    await handle.close()
  })
  try {
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await syncDir(dir)
}
