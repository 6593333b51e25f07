/**
 * Counting a store's writes from the outside: the bench app replaces the write methods of the
 * store instance it hands to the library with counting wrappers, so the library runs unchanged
 * and every store (sessionkit's or a peer's) is counted the same way.
 * @module
 */
import { WRITE_METHODS } from '../scenarios.js'

/** Calls of each write method so far. */
export type WriteCounts = Record<string, number>

/** Wraps `target`'s write methods that exist, in place, and returns their live counts. */
export function countWrites(target: object): WriteCounts {
  const counts: WriteCounts = {}
  const methods = target as Record<string, unknown>
  for (const name of WRITE_METHODS) {
    const original = methods[name]
    if (typeof original !== 'function') continue
    counts[name] = 0
    // An own property shadows the prototype's method; `target` stays `this`, so private
    // fields and the store's own calls between its methods keep working.
    methods[name] = (...args: unknown[]): unknown => {
      counts[name] = (counts[name] ?? 0) + 1
      return Reflect.apply(original, target, args)
    }
  }
  return counts
}
