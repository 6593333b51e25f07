/**
 * A real store behind a Proxy that records every key it is handed. The hostile-input tests
 * assert on what reached the engine: only keys of the shape stores accept, only the hashes of
 * IDs the test itself issued, and nothing at all for a malformed cookie. The engine underneath
 * is real; nothing is faked.
 */
import type { Store } from '../../../src/core/store.js'

/** Store methods whose first argument is a session key. */
const KEYED = new Set([
  'get',
  'getNow',
  'set',
  'patch',
  'touch',
  'destroy',
  'putToken',
  'consumeToken',
])

/** One call that carried a key. */
export interface KeyedCall {
  method: string
  key: unknown
}

/** The proxied store and what it saw. */
export interface RecordingStore<S extends Store> {
  store: S
  inner: S
  calls: KeyedCall[]
}

/** Wraps `inner` so every keyed call lands in `calls` before reaching the engine. */
export function recordingStore<S extends Store>(inner: S): RecordingStore<S> {
  const calls: KeyedCall[] = []
  const store = new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      if (typeof property !== 'string' || !KEYED.has(property)) return method.bind(target)
      return (...args: unknown[]) => {
        calls.push({ method: property, key: args[0] })
        return method.apply(target, args)
      }
    },
  })
  return { store, inner, calls }
}
