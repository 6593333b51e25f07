/**
 * An express-session store as a backend: its writes counted, its sessions counted with its own
 * `length()` where it has one.
 * @module
 */
import type { Store } from 'express-session'
import { countWrites } from './count.js'
import type { CallbackBackend } from './types.js'

function storeLength(store: Store): Promise<number | null> {
  const length = store.length
  if (length === undefined) return Promise.resolve(null)
  return new Promise((resolve) => {
    length.call(store, (error: unknown, count?: number) => resolve(error ? null : (count ?? null)))
  })
}

export function callbackBackend(
  store: Store,
  close: () => Promise<void>,
  records: () => Promise<number | null> = () => storeLength(store),
): CallbackBackend {
  return { kind: 'callback', store, writes: countWrites(store), records, close }
}
