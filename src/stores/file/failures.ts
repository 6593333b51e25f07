import { SessionkitError, StoreError, StoreUnavailableError } from '../../core/errors.js'
import { STORE_NAME } from './layout.js'

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`…), if `err` is one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const { code } = err as { code: unknown }
    if (typeof code === 'string') return code
  }
  return undefined
}

/** True when `err` is a system error with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  const code = errorCode(err)
  return code !== undefined && codes.includes(code)
}

/**
 * Codes that mean the filesystem itself is gone (a dead NFS server, a failing disk) rather
 * than that one operation was refused: the manager should answer 503 and retry later.
 */
const UNAVAILABLE_CODES = new Set([
  'EIO',
  'ENOTCONN',
  'ESTALE',
  'ETIMEDOUT',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
])

/**
 * The typed error for a failed filesystem operation, with the original error as `cause`.
 * The message names the action and the code only: paths hold keys, and keys are nobody's
 * business in a log line either.
 */
export function storeFailure(action: string, err: unknown): SessionkitError {
  if (err instanceof SessionkitError) return err
  const code = errorCode(err)
  const detail = code ? `${action} (${code})` : action
  if (code && UNAVAILABLE_CODES.has(code)) {
    return new StoreUnavailableError(STORE_NAME, `could not ${detail}`, { cause: err })
  }
  return new StoreError(STORE_NAME, `could not ${detail}`, { cause: err })
}
