import { opendir, readdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreUnavailableError } from '../../core/errors.js'
import { isValidStoreKey } from '../../core/ids.js'
import type {
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
  TokenRecord,
} from '../../core/store.js'
import {
  assertPatch,
  assertRecord,
  assertStoreKey,
  assertTimes,
  assertToken,
} from '../../core/store-guards.js'
import { makeDirs } from '../make-dirs.js'
import { forEachLimit } from './concurrency.js'
import { hasCode, storeFailure } from './failures.js'
import { readTextOrNull, removeFile, syncDir, writeFileAtomic } from './fs.js'
import {
  FileLayout,
  isScratchName,
  keyOfRecordFile,
  STORE_NAME,
  scratchName,
  userDirName,
} from './layout.js'
import { acquireFileLock, type FileLockSettings, processMutex, removeIfAbandoned } from './locks.js'
import {
  type FileStoreOptions,
  type ResolvedFileStoreOptions,
  resolveFileStoreOptions,
} from './options.js'
import {
  applyPatch,
  applyTouch,
  type Decoded,
  decodeRecord,
  decodeToken,
  encodeRecord,
  encodeToken,
} from './records.js'
import { listKeys, UserIndex } from './user-index.js'

/** Files handled at once by listing, revocation and cleanup. */
const PARALLEL_FILES = 16

type ReadResult<T> = Decoded<T> | { kind: 'missing' }

/**
 * A store that keeps each session in its own JSON file under one directory. No dependencies,
 * no server: for a single machine, a small deployment, a CLI or development. Several processes
 * may share the directory: every write of a session holds a lock that works across processes,
 * and every file is replaced atomically, so a reader never sees half a write and a crash
 * leaves the old file or the new one.
 *
 * Declares every capability: by-user listing and revocation, cleanup, iteration and
 * single-use tokens. Most applications pass it to a SessionManager and never call it.
 * Directory layout, guarantees and limits: docs/stores.md, "File store".
 *
 * @example
 * ```ts
 * import { FileStore } from 'sessionkit/stores/file'
 * const store = new FileStore({ dir: './data/sessions' })
 * ```
 */
export class FileStore implements Store {
  /** `file`, in errors and logs. */
  readonly name = STORE_NAME
  /** Every optional capability is implemented. */
  readonly capabilities: StoreCapabilities = Object.freeze({
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  })

  readonly #options: ResolvedFileStoreOptions
  readonly #layout: FileLayout
  readonly #index: UserIndex
  readonly #lock: FileLockSettings
  readonly #inFlight = new Set<Promise<unknown>>()
  #ready: Promise<void> | null = null
  #closing: Promise<void> | null = null

  /** Validates `options` (InvalidConfigError names the field); touches no file yet. */
  constructor(options: FileStoreOptions) {
    this.#options = resolveFileStoreOptions(options)
    this.#layout = new FileLayout(this.#options.dir)
    this.#index = new UserIndex(this.#layout, this.#options)
    this.#lock = {
      timeout: this.#options.lockTimeout,
      staleAfter: this.#options.staleLockAfter,
      fileMode: this.#options.fileMode,
      dirMode: this.#options.dirMode,
    }
  }

  /** The absolute path of the store's directory. */
  get dir(): string {
    return this.#options.dir
  }

  /** The live record under `key`; null when missing, expired, unreadable or `key` is invalid. */
  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!isValidStoreKey(key)) return null
    return this.#run('read a session', async () => {
      const read = await this.#readSession(key)
      return read.kind === 'ok' && now < read.value.expiresAt ? read.value : null
    })
  }

  /** Inserts or replaces the record under `key`, and moves it between user indexes as needed. */
  async set(key: string, record: SessionRecord): Promise<void> {
    assertStoreKey(key)
    assertRecord(STORE_NAME, record)
    await this.#run('write a session', async () => {
      const contents = encodeRecord(record)
      await this.#withLock(this.#layout.sessionLock(key), async () => {
        const previous = await this.#readSession(key)
        await this.#writeSession(key, contents, ownerOf(previous), record.userId ?? null)
      })
    })
  }

  /**
   * Applies the change set under the session's lock, only to a record alive at `now`; false
   * (and nothing written) when there is none or `key` is invalid.
   */
  async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    assertPatch(STORE_NAME, patch)
    // A key that can name no record names a missing one, like a read.
    if (!isValidStoreKey(key)) return false
    return this.#run('patch a session', () =>
      this.#withLock(this.#layout.sessionLock(key), async () => {
        const current = await this.#readSession(key)
        if (current.kind !== 'ok' || !(now < current.value.expiresAt)) return false
        const next = applyPatch(current.value, patch)
        await this.#writeSession(key, encodeRecord(next), current.value.userId, next.userId)
        return true
      }),
    )
  }

  /** Moves lastSeenAt and expiresAt of a record alive at `now`; false when there is none. */
  async touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    assertTimes(STORE_NAME, times)
    if (!isValidStoreKey(key)) return false
    return this.#run('touch a session', () =>
      this.#withLock(this.#layout.sessionLock(key), async () => {
        const current = await this.#readSession(key)
        if (current.kind !== 'ok' || !(now < current.value.expiresAt)) return false
        const next = applyTouch(current.value, times)
        await this.#writeSession(key, encodeRecord(next), current.value.userId, next.userId)
        return true
      }),
    )
  }

  /** Removes the record; a missing or invalid key is a no-op. */
  async destroy(key: string): Promise<void> {
    if (!isValidStoreKey(key)) return
    await this.#run('destroy a session', () =>
      this.#withLock(this.#layout.sessionLock(key), async () => {
        // Taken under the lock, so a patch that read the record before cannot write it back.
        const current = await this.#readSession(key)
        if (!(await removeFile(this.#layout.session(key)))) return
        await syncDir(this.#layout.sessions)
        const owner = ownerOf(current)
        if (owner !== null) await this.#index.remove(owner, key)
      }),
    )
  }

  /**
   * Refuses new operations (they reject with StoreUnavailableError) and resolves once those in
   * flight have finished, so no lock is left behind. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inFlight]).then(() => undefined)
    return this.#closing
  }

  /** Same as {@link FileStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Live sessions of `userId`. Every record reached through the index is read and checked;
   * index entries whose session is gone or belongs to another user now are removed on the way.
   */
  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    if (typeof userId !== 'string') return []
    return this.#run('list the sessions of a user', async () => {
      const found: KeyedRecord[] = []
      const dirName = userDirName(userId)
      await forEachLimit(await this.#index.keys(userId), PARALLEL_FILES, async (key) => {
        const read = await this.#readSession(key)
        if (read.kind === 'ok' && read.value.userId === userId) {
          if (now < read.value.expiresAt) found.push({ key, record: read.value })
        } else if (read.kind !== 'foreign') {
          await this.#pruneMarker(dirName, key)
        }
      })
      return found
    })
  }

  /** Removes every session of `userId` except `exceptKey`; returns how many were removed. */
  async destroyByUser(userId: string, options?: { exceptKey?: string }): Promise<number> {
    if (typeof userId !== 'string') return 0
    const exceptKey = options?.exceptKey
    return this.#run('revoke the sessions of a user', async () => {
      let removed = 0
      const keys = (await this.#index.keys(userId)).filter((key) => key !== exceptKey)
      await forEachLimit(keys, PARALLEL_FILES, (key) =>
        this.#withLock(this.#layout.sessionLock(key), async () => {
          const read = await this.#readSession(key)
          // A file in another format may be this user's; leave it and its marker for that version.
          if (read.kind === 'foreign') return
          if (read.kind === 'ok' && read.value.userId === userId) {
            if (await removeFile(this.#layout.session(key))) removed++
          }
          await this.#index.remove(userId, key)
        }),
      )
      if (removed > 0) await syncDir(this.#layout.sessions)
      return removed
    })
  }

  /**
   * Removes expired sessions and tokens (and unreadable ones), index entries that point
   * nowhere, empty user directories, and scratch files and locks left by crashed processes.
   * Returns how many expired sessions were removed.
   */
  async cleanup(now: number): Promise<number> {
    return this.#run('clean up', async () => {
      const removed = await this.#cleanSessions(now)
      await this.#cleanTokens(now)
      await this.#cleanIndex()
      await this.#cleanLocks()
      return removed
    })
  }

  /**
   * Every session alive at `now`, read one file at a time so a large directory streams.
   * Sessions written or removed while iterating may or may not be seen.
   */
  async *entries(now: number): AsyncIterable<KeyedRecord> {
    this.#assertOpen()
    try {
      await this.#ensureDirs()
      let dir: Awaited<ReturnType<typeof opendir>>
      try {
        dir = await opendir(this.#layout.sessions)
      } catch (err) {
        if (hasCode(err, 'ENOENT')) return
        throw err
      }
      for await (const entry of dir) {
        const key = keyOfRecordFile(entry.name)
        if (key === null) continue
        const read = await this.#readSession(key)
        if (read.kind === 'ok' && now < read.value.expiresAt) yield { key, record: read.value }
      }
    } catch (err) {
      throw storeFailure('list sessions', err)
    }
  }

  /** Stores a single-use token under `key`, replacing any token there. */
  async putToken(key: string, token: TokenRecord): Promise<void> {
    assertStoreKey(key)
    assertToken(STORE_NAME, token)
    await this.#run('write a token', async () => {
      const contents = encodeToken(token)
      await this.#withLock(this.#layout.tokenLock(key), () =>
        writeFileAtomic(this.#layout.token(key), contents, this.#options),
      )
    })
  }

  /**
   * Takes the token in one atomic step: the token file is renamed to a name unique to this
   * call, and of any number of processes renaming it at once exactly one succeeds. The winner
   * reads and deletes it; everyone else finds nothing.
   */
  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    if (!isValidStoreKey(key)) return null
    return this.#run('consume a token', async () => {
      const claimed = join(this.#layout.tokens, scratchName(key, 'consumed'))
      try {
        await rename(this.#layout.token(key), claimed)
      } catch (err) {
        if (hasCode(err, 'ENOENT')) return null
        throw err
      }
      // The token must be gone for good, even after a power cut, before its value is used.
      await syncDir(this.#layout.tokens)
      let contents: string
      try {
        contents = await readFile(claimed, 'utf8')
      } finally {
        await removeFile(claimed).catch(() => undefined)
      }
      const read = decodeToken(contents)
      return read.kind === 'ok' && now < read.value.expiresAt ? read.value.value : null
    })
  }

  // --- internals ---

  #assertOpen(): void {
    if (this.#closing) throw new StoreUnavailableError(STORE_NAME, 'the store is closed')
  }

  /** Runs one operation: refused after close, waited for by close, errors typed. */
  async #run<T>(action: string, task: () => Promise<T>): Promise<T> {
    this.#assertOpen()
    const operation = this.#ensureDirs().then(task)
    this.#inFlight.add(operation)
    try {
      return await operation
    } catch (err) {
      throw storeFailure(action, err)
    } finally {
      this.#inFlight.delete(operation)
    }
  }

  /** Creates the directories on first use; retried on the next call if it failed. */
  #ensureDirs(): Promise<void> {
    this.#ready ??= (async () => {
      for (const dir of this.#layout.directories) {
        await makeDirs(dir, this.#options.dirMode)
      }
    })().catch((err: unknown) => {
      this.#ready = null
      throw err
    })
    return this.#ready
  }

  /** In-process queue first, then the lock file, so only one waiter per process polls it. */
  #withLock<T>(lockPath: string, task: () => Promise<T>): Promise<T> {
    return processMutex.run(lockPath, async () => {
      const release = await acquireFileLock(lockPath, this.#lock)
      try {
        return await task()
      } finally {
        await release()
      }
    })
  }

  async #readSession(key: string): Promise<ReadResult<SessionRecord>> {
    const contents = await readTextOrNull(this.#layout.session(key))
    return contents === null ? { kind: 'missing' } : decodeRecord(contents)
  }

  /**
   * Writes a session file and keeps the index right. Called under the session's lock. The new
   * owner's marker goes in before the file and the old owner's comes out after it, so a crash
   * at any point leaves at worst an extra marker, never a session its user cannot find.
   */
  async #writeSession(
    key: string,
    contents: string,
    previousOwner: string | null,
    owner: string | null,
  ): Promise<void> {
    if (owner !== null) await this.#index.add(owner, key)
    await writeFileAtomic(this.#layout.session(key), contents, this.#options)
    if (previousOwner !== null && previousOwner !== owner) {
      await this.#index.remove(previousOwner, key)
    }
  }

  /** Removes the marker `users/<dirName>/<key>` unless, checked under the lock, it is right. */
  async #pruneMarker(dirName: string, key: string): Promise<void> {
    await this.#withLock(this.#layout.sessionLock(key), async () => {
      const read = await this.#readSession(key)
      if (read.kind === 'foreign') return
      if (read.kind === 'ok' && read.value.userId !== null) {
        if (userDirName(read.value.userId) === dirName) return
      }
      await removeFile(join(this.#layout.users, dirName, key))
    })
  }

  async #cleanSessions(now: number): Promise<number> {
    let removed = 0
    let changed = false
    const names = await readdirOrEmpty(this.#layout.sessions)
    await forEachLimit(names, PARALLEL_FILES, async (name) => {
      if (isScratchName(name)) {
        await this.#removeOldScratch(join(this.#layout.sessions, name))
        return
      }
      const key = keyOfRecordFile(name)
      if (key === null) return
      const read = await this.#readSession(key)
      if (read.kind === 'ok' && now < read.value.expiresAt) {
        // Heals an index entry lost with a disk that did not honour fsync.
        if (read.value.userId !== null) await this.#index.add(read.value.userId, key)
        return
      }
      if (read.kind !== 'ok' && read.kind !== 'corrupt') return
      await this.#withLock(this.#layout.sessionLock(key), async () => {
        // Read again: another process may have replaced it since.
        const again = await this.#readSession(key)
        if (again.kind === 'ok' && now < again.value.expiresAt) return
        if (again.kind !== 'ok' && again.kind !== 'corrupt') return
        if (!(await removeFile(this.#layout.session(key)))) return
        changed = true
        if (again.kind === 'ok') {
          removed++
          if (again.value.userId !== null) await this.#index.remove(again.value.userId, key)
        }
      })
    })
    if (changed) await syncDir(this.#layout.sessions)
    return removed
  }

  async #cleanTokens(now: number): Promise<void> {
    const names = await readdirOrEmpty(this.#layout.tokens)
    await forEachLimit(names, PARALLEL_FILES, async (name) => {
      const path = join(this.#layout.tokens, name)
      if (isScratchName(name)) {
        await this.#removeOldScratch(path)
        return
      }
      const key = keyOfRecordFile(name)
      if (key === null) return
      const isDead = async (): Promise<boolean> => {
        const contents = await readTextOrNull(path)
        if (contents === null) return false
        const read = decodeToken(contents)
        return read.kind === 'corrupt' || (read.kind === 'ok' && !(now < read.value.expiresAt))
      }
      if (!(await isDead())) return
      // The lock keeps a putToken that replaces this token meanwhile from being deleted.
      await this.#withLock(this.#layout.tokenLock(key), async () => {
        if (await isDead()) await removeFile(path)
      })
    })
  }

  async #cleanIndex(): Promise<void> {
    for (const dirName of await this.#index.userDirs()) {
      if (isScratchName(dirName)) continue
      const dir = join(this.#layout.users, dirName)
      const keys = await listKeys(dir)
      await forEachLimit(keys, PARALLEL_FILES, async (key) => {
        const read = await this.#readSession(key)
        const owner = read.kind === 'ok' ? read.value.userId : null
        if (read.kind === 'foreign' || (owner !== null && userDirName(owner) === dirName)) return
        await this.#pruneMarker(dirName, key)
      })
      await this.#index.removeIfEmpty(dir)
    }
  }

  async #cleanLocks(): Promise<void> {
    const names = await readdirOrEmpty(this.#layout.locks)
    await forEachLimit(names, PARALLEL_FILES, async (name) => {
      const path = join(this.#layout.locks, name)
      if (isScratchName(name)) await this.#removeOldScratch(path)
      else await removeIfAbandoned(path, this.#options.staleLockAfter)
    })
  }

  /**
   * Removes a scratch file older than staleLockAfter. Temp files live only while their writer
   * holds a lock, so one that old belongs to a writer that crashed.
   */
  async #removeOldScratch(path: string): Promise<void> {
    try {
      const { mtimeMs } = await stat(path)
      if (Date.now() - mtimeMs > this.#options.staleLockAfter) await removeFile(path)
    } catch (err) {
      if (!hasCode(err, 'ENOENT')) throw err
    }
  }
}

function ownerOf(read: ReadResult<SessionRecord>): string | null {
  return read.kind === 'ok' ? read.value.userId : null
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return []
    throw err
  }
}
