/**
 * Timing: run one operation with a fixed number of calls in flight, for a bounded time and a
 * bounded number of calls, and report operations per second and this process's CPU time per
 * operation. Candidates that are compared are measured in many short interleaved rounds
 * (A B C, B C A, C A B…), so that whatever else the machine is doing hits all of them alike,
 * and each is reported over all its rounds together (calls done / time taken): on a shared
 * machine, where load comes and goes within seconds, that ratio is far steadier than any one
 * round. The best round is kept too.
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
  /** Measured rounds per candidate, interleaved with the other candidates' rounds. */
  rounds: number
  /** Unmeasured time before the first round of each candidate, in milliseconds. */
  warmupMs: number
}

export const DEFAULT_LIMITS: Limits = {
  concurrency: 16,
  durationMs: 250,
  maxOps: 500_000,
  rounds: 20,
  warmupMs: 300,
}

/** One measured round. */
export interface Sample {
  ops: number
  seconds: number
  /** CPU time (user + system, every thread of this process), in microseconds. */
  cpuMicros: number
}

/** A candidate over all its rounds. */
export interface Measured {
  /** Calls done over all rounds / time taken by all rounds. */
  opsPerSec: number
  /** The best single round. */
  bestOpsPerSec: number
  /** CPU time of this process per call, over all rounds, in microseconds. */
  cpuMicrosPerOp: number
}

/** A measurement, or why there is none. */
export type Result = Measured | { error: string }

/** Operations per second of `op` with `concurrency` calls in flight, within the limits. */
export async function measure(
  op: Op,
  limits: Pick<Limits, 'concurrency' | 'durationMs' | 'maxOps'>,
): Promise<Sample> {
  let started = 0
  let finished = 0
  const cpu = process.cpuUsage()
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
  const used = process.cpuUsage(cpu)
  return {
    ops: finished,
    seconds: (performance.now() - start) / 1000,
    cpuMicros: used.user + used.system,
  }
}

/** Operations per second of a sample. */
export function rate(sample: Sample): number {
  return sample.seconds > 0 ? sample.ops / sample.seconds : 0
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function summarize(samples: Sample[]): Measured {
  let ops = 0
  let seconds = 0
  let cpuMicros = 0
  for (const sample of samples) {
    ops += sample.ops
    seconds += sample.seconds
    cpuMicros += sample.cpuMicros
  }
  return {
    opsPerSec: seconds > 0 ? ops / seconds : 0,
    bestOpsPerSec: Math.max(...samples.map(rate)),
    cpuMicrosPerOp: ops > 0 ? cpuMicros / ops : Number.NaN,
  }
}

/**
 * Measures every candidate in interleaved rounds and returns, by label, its rate over all
 * rounds, its best round and its CPU per call. A candidate that throws is reported as an
 * error and left out of later rounds.
 */
export async function compare(
  candidates: ReadonlyMap<string, Op>,
  limits: Limits,
): Promise<Map<string, Result>> {
  const labels = [...candidates.keys()]
  const samples = new Map<string, Sample[]>(labels.map((label) => [label, []]))
  const failed = new Map<string, string>()
  const run = async (label: string, durationMs: number): Promise<Sample | null> => {
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
      const sample = await run(label, limits.durationMs)
      if (sample !== null) samples.get(label)?.push(sample)
    }
  }
  const results = new Map<string, Result>()
  for (const label of labels) {
    const error = failed.get(label)
    const taken = samples.get(label) ?? []
    if (error !== undefined) results.set(label, { error })
    else if (taken.length === 0) results.set(label, { error: 'no round was measured' })
    else results.set(label, summarize(taken))
  }
  return results
}
