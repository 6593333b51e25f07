/**
 * Bounding a store's round trips in time with one shared timer instead of one per call. A
 * timer, `Promise.race` and `.finally` per call cost more client CPU than the round trip's
 * own work on a busy server; here a call costs a Set entry, and a single unref'd interval,
 * running only while calls are pending, fails the overdue ones.
 * @module
 */

import { performance } from 'node:perf_hooks'

/** One command still waiting for its reply. */
interface Pending {
  readonly due: number
  readonly fail: () => void
}

/** How many sweeps per timeout: a command fails at most `ms / SWEEPS` late. */
const SWEEPS = 8
/** The shortest sweep period, so tiny timeouts (in tests) do not spin. */
const MIN_PERIOD_MS = 5

/** Pending calls with one time limit, each failed by the sweep once `ms` have passed. */
export class Deadlines {
  readonly #ms: number
  readonly #period: number
  readonly #pending = new Set<Pending>()
  #timer: NodeJS.Timeout | undefined

  constructor(ms: number) {
    this.#ms = ms
    this.#period = Math.max(MIN_PERIOD_MS, Math.ceil(ms / SWEEPS))
  }

  /**
   * Starts the clock of one command: `onTimeout` (which settles the caller's promise) runs once
   * the deadline has passed, unless {@link done} came first.
   */
  track(onTimeout: () => void): Pending {
    const entry: Pending = { due: performance.now() + this.#ms, fail: onTimeout }
    this.#pending.add(entry)
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#period)
      this.#timer.unref()
    }
    return entry
  }

  /** The command settled: true when in time, false when `onTimeout` already ran. */
  done(entry: Pending): boolean {
    return this.#pending.delete(entry)
  }

  #sweep(): void {
    if (this.#pending.size === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
      return
    }
    const now = performance.now()
    // Insertion order is deadline order (one `ms` for all, a monotonic clock), so the sweep
    // stops at the first entry still in time.
    for (const entry of this.#pending) {
      if (entry.due > now) break
      this.#pending.delete(entry)
      entry.fail()
    }
  }
}
