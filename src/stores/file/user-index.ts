import { open, readdir, rmdir } from 'node:fs/promises'
import { isValidStoreKey } from '../../core/ids.js'
import { hasCode } from './failures.js'
import { inDir, removeFile, syncDir } from './fs.js'
import type { FileLayout } from './layout.js'

/**
 * The by-user index: an empty file `users/<sha256(userId)>/<key>` per session of the user.
 * It is only a hint. A marker is written before the session that needs it and removed after
 * the session is gone, so it may point at a session that no longer exists or belongs to
 * someone else now, but a session with a user always has its marker; readers check every
 * record they reach through it.
 */
export class UserIndex {
  readonly #layout: FileLayout
  readonly #fileMode: number
  readonly #dirMode: number

  constructor(layout: FileLayout, modes: { fileMode: number; dirMode: number }) {
    this.#layout = layout
    this.#fileMode = modes.fileMode
    this.#dirMode = modes.dirMode
  }

  /** Adds `key` to the user's index; a no-op when it is there already. */
  async add(userId: string, key: string): Promise<void> {
    const dir = this.#layout.userDir(userId)
    try {
      const handle = await inDir(dir, this.#dirMode, () =>
        open(this.#layout.marker(userId, key), 'wx', this.#fileMode),
      )
      await handle.close()
    } catch (err) {
      if (hasCode(err, 'EEXIST')) return
      throw err
    }
    // Durable before the session is written, or a crash could leave a session that
    // "revoke all devices" cannot find.
    await syncDir(dir)
  }

  /** Removes `key` from the user's index; a no-op when it is not there. */
  async remove(userId: string, key: string): Promise<void> {
    await removeFile(this.#layout.marker(userId, key))
  }

  /** The keys in the user's index, unchecked. */
  async keys(userId: string): Promise<string[]> {
    return listKeys(this.#layout.userDir(userId))
  }

  /** The names of every user directory (hashes), for cleanup. */
  async userDirs(): Promise<string[]> {
    try {
      return await readdir(this.#layout.users)
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return []
      throw err
    }
  }

  /** Removes a user directory if it is empty; `add` recreates it when it races with this. */
  async removeIfEmpty(dir: string): Promise<void> {
    try {
      await rmdir(dir)
    } catch (err) {
      if (!hasCode(err, 'ENOTEMPTY', 'EEXIST', 'ENOENT')) throw err
    }
  }
}

/** Valid store keys among the names in `dir`; scratch and foreign names are skipped. */
export async function listKeys(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => isValidStoreKey(name))
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return []
    throw err
  }
}
