import { InvalidConfigError } from '../core/errors.js'

const BACKSLASH = 0x5c

/**
 * True for a path on this site (`/account?tab=2`), false for anything a browser could take
 * elsewhere: absolute URLs, protocol-relative `//host`, `/\host` (which browsers read as
 * `//host`), and control characters (which browsers strip, turning `/\t/host` into `//host`).
 * @example
 * ```ts
 * isLocalPath('/cart')            // true
 * isLocalPath('//evil.example')   // false
 * ```
 */
export function isLocalPath(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2048) return false
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code === 0x7f || code === BACKSLASH) return false
  }
  return !value.startsWith('//')
}

/** `value` if it is a local path, null when absent; throws for anything else. @internal */
export function localPathOption(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  if (!isLocalPath(value)) {
    throw new InvalidConfigError(
      field,
      'must be a path on this site such as "/account" (an absolute or protocol-relative URL would be an open redirect)',
    )
  }
  return value
}
