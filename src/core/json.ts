import type { JsonObject, JsonValue } from './store.js'

/**
 * Sets `key` on `target` as an own, enumerable property. Plain assignment would treat a key
 * named `__proto__` as the prototype instead of data, and the value would vanish.
 */
export function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}
