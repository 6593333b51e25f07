import { conformanceCases } from './suite.js'
import type { CaseOptions, StoreFactory } from './types.js'

/** How one case went when run by {@link runConformance}. */
export interface CaseResult {
  group: string
  name: string
  status: 'passed' | 'failed' | 'skipped'
  /** Why it was skipped: a capability the store does not declare. */
  reason?: string
  /** The assertion (or store) error of a failed case. */
  error?: unknown
}

/**
 * Runs every conformance case one after another, without a test runner, and reports each.
 * Never rejects for a failing case; check `status`.
 *
 * @example
 * ```ts
 * const results = await runConformance(() => new MyStore())
 * const failed = results.filter((r) => r.status === 'failed')
 * ```
 */
export async function runConformance(
  makeStore: StoreFactory,
  options?: CaseOptions,
): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const c of conformanceCases(makeStore, options)) {
    const { group, name } = c
    try {
      const outcome = await c.run()
      results.push(
        outcome.status === 'skipped'
          ? { group, name, status: 'skipped', reason: outcome.reason }
          : { group, name, status: 'passed' },
      )
    } catch (error) {
      results.push({ group, name, status: 'failed', error })
    }
  }
  return results
}
