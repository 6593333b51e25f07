import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { isValidStoreKey } from '../../core/ids.js'

/** The store's name in errors and logs. */
export const STORE_NAME = 'file'

const RECORD_SUFFIX = '.json'

/**
 * Where everything lives under the store's directory. Every name is built from a validated
 * store key or a hash, so no caller-supplied string ever becomes a path segment as is.
 *
 *     sessions/<key>.json         one session record
 *     tokens/<key>.json           one single-use token
 *     users/<sha256(userId)>/<key> empty marker: the by-user index
 *     locks/<key>.session.lock    cross-process write lock of one session (likewise .token.lock)
 *
 * Scratch files (temp writes, claimed tokens, stolen locks) start with a dot, which no key can,
 * so readers never mistake one for a record.
 */
export class FileLayout {
  readonly root: string
  readonly sessions: string
  readonly tokens: string
  readonly users: string
  readonly locks: string

  constructor(root: string) {
    this.root = root
    this.sessions = join(root, 'sessions')
    this.tokens = join(root, 'tokens')
    this.users = join(root, 'users')
    this.locks = join(root, 'locks')
  }

  /** Every directory the store writes into, parents first. */
  get directories(): string[] {
    return [this.root, this.sessions, this.tokens, this.users, this.locks]
  }

  session(key: string): string {
    return join(this.sessions, `${key}${RECORD_SUFFIX}`)
  }

  token(key: string): string {
    return join(this.tokens, `${key}${RECORD_SUFFIX}`)
  }

  userDir(userId: string): string {
    return join(this.users, userDirName(userId))
  }

  marker(userId: string, key: string): string {
    return join(this.userDir(userId), key)
  }

  sessionLock(key: string): string {
    return join(this.locks, `${key}.session.lock`)
  }

  tokenLock(key: string): string {
    return join(this.locks, `${key}.token.lock`)
  }
}

/**
 * A user's index directory name: SHA-256 of the user ID, base64url. User IDs are free-form
 * strings (slashes, dots, any length), so they never appear in a path as they are.
 */
export function userDirName(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url')
}

/** The key of a record file name (`<key>.json`), or null for anything else. */
export function keyOfRecordFile(name: string): string | null {
  if (!name.endsWith(RECORD_SUFFIX)) return null
  const key = name.slice(0, -RECORD_SUFFIX.length)
  return isValidStoreKey(key) ? key : null
}

/** A scratch file name next to `base`: starts with a dot and is unique to this call. */
export function scratchName(base: string, kind: 'tmp' | 'consumed' | 'stale'): string {
  return `.${base}.${randomBytes(8).toString('hex')}.${kind}`
}

/** True for names made by {@link scratchName}. */
export function isScratchName(name: string): boolean {
  return name.startsWith('.')
}
