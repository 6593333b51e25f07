import { StoreError } from './errors.js'
import type { JsonObject, JsonValue } from './store.js'

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
