import type { Store, StoreCapabilities } from '../core/store.js'

/** Makes a fresh store for one case. The case closes it when it is done. */
export type StoreFactory = () => Store | Promise<Store>

/** A capability name, as declared in {@link StoreCapabilities}. */
export type Capability = keyof StoreCapabilities

/** How a case ended: `skipped` only when it needs a capability the store does not declare. */
export type CaseOutcome = { status: 'passed' } | { status: 'skipped'; reason: string }

/** One conformance case, ready to run with any test runner or none. */
export interface ConformanceCase {
  /** The part of the contract it checks, e.g. `patch` or `byUser`. */
  readonly group: string
  /** What it checks, as a sentence. */
  readonly name: string
  /**
   * The capabilities the case exercises. When the store does not declare one, the case still
   * runs, but only to assert that the capability's methods are absent (declared, never
   * faked), and resolves to `skipped`.
   */
  readonly needs?: readonly Capability[]
  /** Makes a fresh store, runs the checks, closes the store. Rejects with an AssertionError. */
  run(): Promise<CaseOutcome>
}

/** Options of {@link conformanceCases}. */
export interface CaseOptions {
  /**
   * How many concurrent patches the concurrency case sends to one record; the same-key and
   * token races use a quarter of it (at least 2).
   * @default 200
   */
  concurrency?: number
}

/** Options of {@link testStore}: the runner's functions, so the suite depends on no runner. */
export interface ConformanceOptions extends CaseOptions {
  /** Registers one test case, e.g. vitest's `it` or node:test's `test`. */
  test: (name: string, fn: () => Promise<void>) => unknown
  /** Optional grouping, e.g. vitest's or node:test's `describe`. */
  describe?: (name: string, fn: () => void) => unknown
}

/** What a case needs at run time besides its store. */
export interface CaseContext {
  readonly concurrency: number
}

/** A case as the case files write it: checks against a store it is handed. */
export interface CaseDefinition {
  readonly group: string
  readonly name: string
  readonly needs?: readonly Capability[]
  run(store: Store, context: CaseContext): Promise<void>
}
