/**
 * Timing: run one operation with a fixed number of calls in flight, for a bounded time and a
 * bounded number of calls, and report operations per second. Candidates that are compared are
 * measured in interleaved rounds (A B C, B C A, C A B…) and the median round is kept, so slow
 * drift of the machine (other work, CPU frequency, a database checkpoint) hits all of them alike.
 * @module
 */
import { performance } from 'node:perf_hooks'

/** One call of the operation under test; `i` counts calls, to pick a session round robin. */
export type Op = (i: number) => unknown

/** How long and how hard one measurement runs. */
export interface Limits {
  /** Calls kept in flight at once. */
  concurrency: number
  /** Wall-clock time of one measured round, in milliseconds. */
  durationMs: number
  /** Upper bound of calls in one round, whatever the time. */
  maxOps: number
  /** Measured rounds per candidate; the median is reported. */
  rounds: number
  /** Unmeasured time before the first round of each candidate, in milliseconds. */
  warmupMs: number
}

export const DEFAULT_LIMITS: Limits = {
  concurrency: 16,
  durationMs: 1000,
  maxOps: 500_000,
  rounds: 5,
  warmupMs: 300,
}

/** A measured rate, or why there is none. */
export type Result = { opsPerSec: number } | { error: string }

/** Operations per second of `op` with `concurrency` calls in flight, within the limits. */
export async function measure(
  op: Op,
  limits: Pick<Limits, 'concurrency' | 'durationMs' | 'maxOps'>,
): Promise<number> {
  let started = 0
  let finished = 0
  const start = performance.now()
  const deadline = start + limits.durationMs
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && started < limits.maxOps && performance.now() < deadline) {
      const i = started++
      try {
        await op(i)
      } catch (error) {
        // The other workers stop at their next call instead of running on to the deadline.
        failed = true
        throw error
      }
      finished++
    }
  }
  const workers = Promise.all(Array.from({ length: limits.concurrency }, worker))
  await within(workers, limits.durationMs + STRAGGLER_MS, 'the calls in flight')
  return finished / ((performance.now() - start) / 1000)
}

/** How long calls still in flight at the end of a round may take before the round fails. */
const STRAGGLER_MS = 10_000

/** `work`, or an error once `ms` have passed: nothing in the benchmarks waits forever. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Measures every candidate in interleaved rounds and returns the median rate of each, by
 * label. A candidate that throws is reported as an error and left out of later rounds.
 */
export async function compare(
  candidates: ReadonlyMap<string, Op>,
  limits: Limits,
): Promise<Map<string, Result>> {
  const labels = [...candidates.keys()]
  const rates = new Map<string, number[]>(labels.map((label) => [label, []]))
  const failed = new Map<string, string>()
  const run = async (label: string, durationMs: number): Promise<number | null> => {
    const op = candidates.get(label)
    if (op === undefined || failed.has(label)) return null
    try {
      return await measure(op, { ...limits, durationMs })
    } catch (error) {
      failed.set(label, message(error))
      return null
    }
  }
  for (const label of labels) await run(label, limits.warmupMs)
  for (let round = 0; round < limits.rounds; round++) {
    for (let k = 0; k < labels.length; k++) {
      const label = labels[(round + k) % labels.length] as string
      const rate = await run(label, limits.durationMs)
      if (rate !== null) rates.get(label)?.push(rate)
    }
  }
  const results = new Map<string, Result>()
  for (const label of labels) {
    const error = failed.get(label)
    results.set(
      label,
      error === undefined ? { opsPerSec: median(rates.get(label) ?? []) } : { error },
    )
  }
  return results
}
