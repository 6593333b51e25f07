import type { Store } from '../core/store.js'
import { assertDeclared } from './capabilities.js'
import type {
  CaseContext,
  CaseDefinition,
  CaseOutcome,
  ConformanceCase,
  StoreFactory,
} from './types.js'

/** Runs `fn` against a fresh store and always closes it, so a failing case leaks nothing. */
export async function withStore<T>(
  makeStore: StoreFactory,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await makeStore()
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Binds a case definition to a store factory. */
export function bindCase(
  definition: CaseDefinition,
  makeStore: StoreFactory,
  context: CaseContext,
): ConformanceCase {
  const { group, name, needs } = definition
  return {
    group,
    name,
    ...(needs ? { needs } : {}),
    run: () =>
      withStore(makeStore, async (store): Promise<CaseOutcome> => {
        // An undeclared capability is still checked: its methods must be absent.
        const missing = (needs ?? []).filter((capability) => !assertDeclared(store, capability))
        if (missing.length > 0) {
          return { status: 'skipped', reason: `the store does not declare ${missing.join(', ')}` }
        }
        await definition.run(store, context)
        return { status: 'passed' }
      }),
  }
}
