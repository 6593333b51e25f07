import { StoreError } from './errors.js'
import type { JsonObject, JsonValue } from './store.js'

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Sets `key` on `target` as an own, enumerable property. Plain assignment would treat a key
 * named `__proto__` as the prototype instead of data, and the value would vanish; it is the
 * only key that does so on a plain object (Object.prototype's one setter), and assignment is
 * several times cheaper than defineProperty for every other key.
 */
export function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  if (key !== '__proto__') {
    target[key] = value
    return
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

/**
 * JSON text for a value about to be stored; StoreError (naming `store` and `what`) for a value
 * JSON cannot carry (a cycle, a BigInt, undefined), never a silent `undefined`.
 */
export function encodeJson(store: string, value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new StoreError(store, `${what} is not JSON-serializable`, { cause })
  }
  if (typeof text !== 'string') throw new StoreError(store, `${what} is not a JSON value`)
  return text
}

/**
 * Why JSON cannot carry `value` faithfully, or null when it can. `value` is what JSON.stringify
 * is about to write (after toJSON); `raw` is the property as it was (an invalid Date's toJSON
 * gives null, so only the raw value tells).
 */
function refusal(raw: unknown, value: unknown): string | null {
  if (raw instanceof Date && Number.isNaN(raw.getTime())) return 'is an invalid Date'
  switch (typeof value) {
    case 'bigint':
      return 'is a BigInt, which JSON cannot carry (store it as a string)'
    case 'function':
      return 'is a function, which JSON drops'
    case 'symbol':
      return 'is a symbol, which JSON drops'
    case 'undefined':
      return 'is undefined, which JSON drops (or writes as null in an array); delete the key instead'
    case 'number':
      return Number.isFinite(value) ? null : `is ${value}, which JSON writes as null`
    case 'object': {
      if (value === null || Array.isArray(value)) return null
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto === Object.prototype || proto === null) return null
      const name = (proto as { constructor?: { name?: unknown } }).constructor?.name
      return `is ${typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype'}, which JSON turns into a plain object (a Map or Set into {}); store a plain object or array, or give the class a toJSON method`
    }
    default:
      return null
  }
}

/** A refusal found while walking a value, with where it was. */
class Refusal extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/**
 * The JSON text of `value`, refusing instead of mangling: throws `fail(path, reason)` for
 * anything JSON would drop, turn into null or into `{}` (undefined, functions, symbols, BigInt,
 * NaN and ±Infinity, array holes, invalid Dates, Maps, Sets and other class instances), and
 * for cycles. Converted as JSON does: a Date to its ISO string (any toJSON to its result, which
 * is checked in turn), -0 to 0, a null-prototype object to a plain one. Symbol-keyed and
 * non-enumerable properties are not data and are ignored, as JSON ignores them. `path` is like
 * `.cart[2].price` (empty for the value itself); no value is ever put in a message.
 */
export function strictJson(value: unknown, fail: (path: string, reason: string) => Error): string {
  const paths = new WeakMap<object, string>()
  let root = true
  function check(this: unknown, key: string, current: unknown): unknown {
    const holder = this as Record<string, unknown>
    let path = ''
    if (root) {
      root = false
    } else {
      const base = paths.get(holder) ?? ''
      path = Array.isArray(holder) ? `${base}[${key}]` : `${base}.${key}`
    }
    const reason = refusal(holder[key], current)
    if (reason !== null) throw new Refusal(path, reason)
    if (typeof current === 'object' && current !== null) paths.set(current, path)
    return current
  }
  try {
    return JSON.stringify(value, check) as string
  } catch (error) {
    if (error instanceof Refusal) throw fail(error.path, error.reason)
    // A cycle, or a getter or toJSON that threw.
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw fail('', `cannot be serialized to JSON (${why})`)
  }
}
