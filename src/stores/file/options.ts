import { resolve } from 'node:path'
import { InvalidConfigError } from '../../core/errors.js'
import { type Duration, parseDuration } from '../../core/time.js'

/** Options of {@link FileStore}. Only `dir` is required. */
export interface FileStoreOptions {
  /**
   * The directory the store owns. Created with `dirMode` when missing; relative paths are
   * resolved against the working directory at construction. Give each application its own
   * directory: the store treats everything under it as its own.
   * @example './data/sessions'
   */
  dir: string
  /**
   * How long a write waits for the lock on one session (or token) held by another process
   * before it fails with StoreError. Writers in the same process queue in memory and do not
   * count against each other's timeout.
   * @default '5s'
   */
  lockTimeout?: Duration
  /**
   * Age after which a lock file is taken to be left behind by a crashed process and is taken
   * over. Only matters when the holder cannot be checked (a process on another machine or in
   * another container): a lock of a dead process of this machine is taken over at once. Must
   * be longer than any write can take, pauses included: a writer that holds a lock longer than
   * this may lose it to another writer. On a shared filesystem the hosts' clocks must agree to
   * well within this.
   * @default '10s'
   */
  staleLockAfter?: Duration
  /**
   * Permission bits of every file the store creates. The owner must be able to read and write.
   * @default 0o600
   */
  fileMode?: number
  /**
   * Permission bits of every directory the store creates. The owner needs rwx. An existing
   * directory keeps its permissions.
   * @default 0o700
   */
  dirMode?: number
}

/** Options after validation, every default applied, durations in milliseconds. */
export interface ResolvedFileStoreOptions {
  dir: string
  lockTimeout: number
  staleLockAfter: number
  fileMode: number
  dirMode: number
}

/** Every default of {@link FileStoreOptions}, in one place. */
export const FILE_STORE_DEFAULTS = {
  lockTimeout: '5s',
  staleLockAfter: '10s',
  fileMode: 0o600,
  dirMode: 0o700,
} as const satisfies Required<Omit<FileStoreOptions, 'dir'>>

function parseMode(value: unknown, field: string, ownerNeeds: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) {
    throw new InvalidConfigError(field, 'must be permission bits between 0 and 0o777, e.g. 0o600')
  }
  if ((value & ownerNeeds) !== ownerNeeds) {
    throw new InvalidConfigError(
      field,
      `must give the owner at least 0o${ownerNeeds.toString(8)}, or the store cannot use its own files`,
    )
  }
  return value
}

/** Validates `options` once, at construction; throws InvalidConfigError naming the field. */
export function resolveFileStoreOptions(options: FileStoreOptions): ResolvedFileStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'FileStore needs an options object with at least `dir`')
  }
  const { dir } = options
  if (typeof dir !== 'string' || dir.trim() === '' || dir.includes('\0')) {
    throw new InvalidConfigError('dir', 'must be the path of a directory, e.g. "./data/sessions"')
  }
  const staleLockAfter = parseDuration(
    options.staleLockAfter ?? FILE_STORE_DEFAULTS.staleLockAfter,
    'staleLockAfter',
  )
  if (staleLockAfter <= 0) {
    throw new InvalidConfigError('staleLockAfter', 'must be longer than zero')
  }
  return {
    dir: resolve(dir),
    lockTimeout: parseDuration(
      options.lockTimeout ?? FILE_STORE_DEFAULTS.lockTimeout,
      'lockTimeout',
    ),
    staleLockAfter,
    fileMode: parseMode(options.fileMode ?? FILE_STORE_DEFAULTS.fileMode, 'fileMode', 0o600),
    dirMode: parseMode(options.dirMode ?? FILE_STORE_DEFAULTS.dirMode, 'dirMode', 0o700),
  }
}
