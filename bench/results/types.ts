/**
 * Everything one `npm run bench` measured, suite by suite (a suite not run is absent), with
 * the Markdown each suite printed.
 * @module
 */
import type { HttpResults } from '../http/results.js'
import type { MemoryRow } from '../memory/types.js'
import type { SealTable } from '../seal/index.js'
import type { StoreTable } from '../stores/index.js'

export interface RunResults {
  stores?: StoreTable[]
  seal?: SealTable[]
  http?: HttpResults
  memory?: MemoryRow[]
  /** What each suite printed (its Markdown tables), by suite name. */
  printed: Record<string, string>
}

/** One target of issue 7 (or 5), checked against the measurements. */
export interface TargetCheck {
  /** What is promised, e.g. `Express memory, read: ≥1.5× express-session + MemoryStore`. */
  target: string
  /** What was measured, e.g. `2.10×`; `not measured (why)` when it was not. */
  measured: string
  /** Null when not measured. */
  met: boolean | null
}
