/**
 * What the HTTP suite returns: per variant and scenario, the rate over all measured rounds,
 * latencies, errors and the store's writes, so RESULTS.md can compute ratios and targets.
 * @module
 */
import type { Scenario } from './scenarios.js'
import type { Variant } from './variants.js'

/** How long and how hard the HTTP suite loads each server. */
export interface HttpLimits {
  /** Concurrent connections of autocannon. */
  connections: number
  /** One measured round, per variant and scenario. */
  durationMs: number
  /** Measured rounds, interleaved across the variants of a group. */
  rounds: number
  /** Unmeasured load before the first round, per variant and scenario. */
  warmupMs: number
}

export interface HttpMeasured {
  /** Responses over all measured rounds / their time. */
  rps: number
  requests: number
  /** Median over the rounds of each round's p50 and p99, in milliseconds. */
  p50: number
  p99: number
  /** Socket errors and timeouts. */
  errors: number
  non2xx: number
  /** Store write calls by method, during the measured rounds. */
  writes: Record<string, number>
  /** Sessions in the store before the scenario's first run and after its last (anonymous only). */
  recordsBefore: number | null
  recordsAfter: number | null
}

/** A measurement, a failure, or why the variant could not run here. */
export type HttpCell = HttpMeasured | { error: string } | { skipped: string }

export interface HttpRow {
  group: string
  variant: Variant
  cells: Partial<Record<Scenario, HttpCell>>
}

export interface HttpResults {
  limits: HttpLimits
  rows: HttpRow[]
}

export function isMeasured(cell: HttpCell | undefined): cell is HttpMeasured {
  return cell !== undefined && 'rps' in cell
}

/** Store writes of every method together. */
export function totalWrites(cell: HttpMeasured): number {
  return Object.values(cell.writes).reduce((sum, count) => sum + count, 0)
}

/** The no-session row of the same framework. */
export function ceilingOf(results: HttpResults, row: HttpRow): HttpRow | undefined {
  return results.rows.find(
    (other) =>
      other.variant.framework === row.variant.framework && other.variant.role === 'ceiling',
  )
}

/**
 * The floor row (the least secure session work) or the reference row (Express without
 * sessions, its req and res in dictionary mode) of the same group, where one is measured.
 */
export function yardstickOf(
  results: HttpResults,
  row: HttpRow,
  role: 'floor' | 'reference',
): HttpRow | undefined {
  return results.rows.find((other) => other.group === row.group && other.variant.role === role)
}

/** The peer row of the same group. */
export function peerOf(results: HttpResults, row: HttpRow): HttpRow | undefined {
  return results.rows.find((other) => other.group === row.group && other.variant.role === 'peer')
}

/** `a`'s rate over `b`'s in one scenario, or null when either is missing. */
export function rateRatio(
  a: HttpRow | undefined,
  b: HttpRow | undefined,
  scenario: Scenario,
): number | null {
  const x = a?.cells[scenario]
  const y = b?.cells[scenario]
  if (!isMeasured(x) || !isMeasured(y) || y.rps === 0) return null
  return x.rps / y.rps
}
