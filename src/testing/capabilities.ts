import assert from 'node:assert/strict'
import type { Store } from '../core/store.js'
import type { Capability } from './types.js'

/** The methods each capability brings; a store has them exactly when it declares it. */
export const CAPABILITY_METHODS = {
  byUser: ['listByUser', 'destroyByUser'],
  cleanup: ['cleanup'],
  iterate: ['entries'],
  tokens: ['putToken', 'consumeToken'],
} as const satisfies Record<Capability, readonly (keyof Store)[]>

/** The optional methods of {@link Store} that capability `C` brings. */
export type CapabilityMethod<C extends Capability> = (typeof CAPABILITY_METHODS)[C][number]

/** A store narrowed to one that has the methods of capability `C`. */
export type StoreWith<C extends Capability> = Store & Required<Pick<Store, CapabilityMethod<C>>>

/** Asserts the store declares `capability` as a boolean and has its methods exactly then. */
export function assertDeclared(store: Store, capability: Capability): boolean {
  const declared = store.capabilities?.[capability]
  assert.equal(
    typeof declared,
    'boolean',
    `capabilities.${capability} must be declared as true or false`,
  )
  for (const method of CAPABILITY_METHODS[capability]) {
    if (declared) {
      assert.equal(
        typeof store[method],
        'function',
        `capabilities.${capability} is true, so ${method}() must be a method`,
      )
    } else {
      assert.equal(
        store[method],
        undefined,
        `capabilities.${capability} is false, so ${method}() must be absent: a capability is declared, never faked`,
      )
    }
  }
  return declared
}

/** Narrows `store` after {@link assertDeclared} returned true. */
export function withCapability<S extends Store, C extends Capability>(
  store: S,
  capability: C,
): S & StoreWith<C> {
  assert.ok(assertDeclared(store, capability), `the store must declare ${capability}`)
  return store as S & StoreWith<C>
}
