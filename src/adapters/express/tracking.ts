/**
 * Change tracking for `req.session`, whose data are plain properties that apps assign, delete
 * and mutate in place. Each key's JSON is kept from load time; at commit the JSON is taken
 * again and compared key by key: a key whose JSON changed is set, a key that disappeared is
 * removed, the rest is left alone. That is what lets two concurrent requests that change
 * different keys both keep their change, where express-session writes the whole object back.
 * @module
 */
import { FLASH_PREFIX } from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'

/** Each data key's JSON, flash values included under their `__flash:` keys. */
export type Snapshot = Map<string, string>

/** The property that is the Cookie, never data (express-session's hash leaves it out too). */
export const COOKIE_KEY = 'cookie'

/**
 * The snapshot of a session object: every own enumerable property but `cookie`, as JSON, and
 * the pending flash values. Properties JSON drops (undefined, functions) are not data, as in
 * express-session. `bags` are objects that stand in for a plain object (see Session#flash).
 * Throws what JSON.stringify throws (a cycle, a BigInt), as express-session does.
 */
export function takeSnapshot(
  session: object,
  flashes: ReadonlyMap<string, JsonValue>,
  bag?: object,
): Snapshot {
  const snapshot: Snapshot = new Map()
  const values = session as Record<string, unknown>
  for (const key of Object.keys(session)) {
    if (key === COOKIE_KEY) continue
    const value = values[key]
    const json = JSON.stringify(value === bag && bag !== undefined ? { ...bag } : value)
    if (json !== undefined) snapshot.set(key, json)
  }
  for (const [key, value] of flashes) snapshot.set(`${FLASH_PREFIX}${key}`, JSON.stringify(value))
  return snapshot
}

/** True when both snapshots hold the same keys with the same JSON (key order does not matter). */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false
  for (const key of a.keys()) if (b.get(key) !== a.get(key)) return false
  return true
}

/**
 * Sets `key` on `target` as an own, enumerable, writable data property. A plain assignment is
 * several times cheaper than defineProperty on this per-request path; only `__proto__`, which an
 * assignment would take for the prototype, needs the slow way.
 */
export function putData(target: object, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    ;(target as Record<string, unknown>)[key] = value
  }
}

/** Splits stored data into plain data and pending flash values. */
export function splitFlashes(data: Record<string, JsonValue>): {
  data: Record<string, JsonValue>
  flashes: Map<string, JsonValue>
} {
  const flashes = new Map<string, JsonValue>()
  const keys = Object.keys(data)
  // Most sessions hold no flash value: then `data` is passed on as it is, not copied.
  if (!keys.some((key) => key.startsWith(FLASH_PREFIX))) return { data, flashes }
  const plain: Record<string, JsonValue> = {}
  for (const key of keys) {
    const value = data[key] as JsonValue
    if (key.startsWith(FLASH_PREFIX)) flashes.set(key.slice(FLASH_PREFIX.length), value)
    else putData(plain, key, value)
  }
  return { data: plain, flashes }
}
