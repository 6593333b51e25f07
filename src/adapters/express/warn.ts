/**
 * Warnings the Express adapter gives once per process, as express-session does through `depd`.
 * They go through `process.emitWarning`, so `--no-deprecation` and `--no-warnings` apply.
 * @module
 */

const given = new Set<string>()

/**
 * Emits `message` once per `key`. Deprecations (an implicit default that will change, a
 * deprecated way of doing something) are `DeprecationWarning`s; the rest plain warnings.
 */
export function once(key: string, message: string, type = 'DeprecationWarning'): void {
  if (given.has(key)) return
  given.add(key)
  process.emitWarning(`sessionkit/express: ${message}`, { type, code: warningCode(key) })
}

function warningCode(key: string): string {
  return `SESSIONKIT_EXPRESS_${key.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
}
