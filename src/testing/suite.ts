import { InvalidConfigError } from '../core/errors.js'
import { caseDefinitions } from './cases/index.js'
import { bindCase } from './harness.js'
import type { CaseOptions, ConformanceCase, ConformanceOptions, StoreFactory } from './types.js'

const DEFAULT_CONCURRENCY = 200

function concurrencyOf(options: CaseOptions | undefined): number {
  const concurrency = options?.concurrency ?? DEFAULT_CONCURRENCY
  if (!Number.isInteger(concurrency) || concurrency < 2) {
    throw new InvalidConfigError('concurrency', 'must be an integer of at least 2')
  }
  return concurrency
}

/**
 * The conformance cases for a store, ready to run with any runner or none. Each case makes a
 * fresh store with `makeStore`, uses only fresh random keys and user IDs (so a shared engine
 * is fine), and closes the store when it is done.
 *
 * @example
 * ```ts
 * for (const c of conformanceCases(() => new MyStore())) {
 *   const outcome = await c.run() // rejects with an AssertionError on a violation
 *   console.log(`${c.group}: ${c.name}`, outcome.status)
 * }
 * ```
 */
export function conformanceCases(
  makeStore: StoreFactory,
  options?: CaseOptions,
): ConformanceCase[] {
  const context = { concurrency: concurrencyOf(options) }
  return caseDefinitions.map((definition) => bindCase(definition, makeStore, context))
}

/**
 * Registers the conformance suite with a test runner: one test per case, grouped under
 * `describe(name)` and then by part of the contract when `describe` is given. A case whose
 * capability the store does not declare passes after checking the methods are absent.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest'
 * import { testStore } from 'sessionkit/testing'
 * testStore('my-store', () => new MyStore(), { test: it, describe })
 * ```
 */
export function testStore(
  name: string,
  makeStore: StoreFactory,
  options: ConformanceOptions,
): void {
  const cases = conformanceCases(makeStore, options)
  const { test, describe } = options
  const register = (c: ConformanceCase, title: string) =>
    test(title, async () => {
      await c.run()
    })
  if (!describe) {
    for (const c of cases) register(c, `${name} › ${c.group} › ${c.name}`)
    return
  }
  describe(`store conformance: ${name}`, () => {
    for (const group of new Set(cases.map((c) => c.group))) {
      describe(group, () => {
        for (const c of cases) if (c.group === group) register(c, c.name)
      })
    }
  })
}
