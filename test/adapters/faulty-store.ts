/**
 * Fault injection around a real MemoryStore: every call is recorded, chosen methods can be made
 * to reject with StoreUnavailableError (an outage) and writes can be slowed down (to widen the
 * window in which a response could overtake its own write). The engine itself is real.
 */
import { StoreUnavailableError } from '../../src/core/errors.js'
import type { Store } from '../../src/core/store.js'
import { MemoryStore } from '../../src/stores/memory.js'

type StoreMethod = 'get' | 'set' | 'patch' | 'touch' | 'destroy'
const METHODS = new Set<string>(['get', 'set', 'patch', 'touch', 'destroy'])
const WRITES = new Set<string>(['set', 'patch', 'touch', 'destroy'])

/** The handles a test turns. */
export interface Faults {
  /** The store to give the manager. */
  store: Store
  /** The real store underneath, for assertions that bypass the faults. */
  inner: MemoryStore
  /** Every store call, by method name, in order. */
  calls: StoreMethod[]
  /** Methods that currently reject with StoreUnavailableError. */
  failing: Set<StoreMethod>
  /** Milliseconds each write waits before reaching the store. */
  writeDelay: number
}

/** A MemoryStore behind a Proxy that records calls and injects outages on demand. */
export function faultyStore(
  inner = new MemoryStore({ sweepInterval: 0 }),
  { synchronous = false }: { synchronous?: boolean } = {},
): Faults {
  const faults: Faults = {
    inner,
    calls: [],
    failing: new Set(),
    writeDelay: 0,
    store: inner,
  }
  faults.store = new Proxy(inner, {
    get(target, property) {
      if (property === 'getNow') {
        // By default a promise-only store, as every server store is. `synchronous` keeps the
        // memory store's getNow (the manager's path without a promise), recorded and faulted
        // as `get`.
        if (!synchronous) return undefined
        return (key: string, now: number) => {
          faults.calls.push('get')
          if (faults.failing.has('get')) {
            throw new StoreUnavailableError('memory', 'injected outage in get')
          }
          return target.getNow(key, now)
        }
      }
      const value = Reflect.get(target, property, target)
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value
      }
      const method = property as StoreMethod
      return async (...args: unknown[]) => {
        faults.calls.push(method)
        if (WRITES.has(method) && faults.writeDelay > 0) {
          await new Promise((resolve) => setTimeout(resolve, faults.writeDelay))
        }
        if (faults.failing.has(method)) {
          throw new StoreUnavailableError('memory', `injected outage in ${method}`)
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
      }
    },
  })
  return faults
}
