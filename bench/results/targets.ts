/**
 * The targets of issue 7 (and the adapter targets of issue 5), each checked against what this
 * run measured. A target whose measurement is missing (suite not run, server unreachable,
 * error) is reported as not measured, never as met.
 * @module
 */
import type { Result } from '../harness.js'
import {
  ceilingOf,
  type HttpResults,
  type HttpRow,
  isMeasured,
  peerOf,
  rateRatio,
  totalWrites,
  yardstickOf,
} from '../http/results.js'
import type { Scenario } from '../http/scenarios.js'
import type { SealTable } from '../seal/index.js'
import type { StoreTable } from '../stores/index.js'
import type { RunResults, TargetCheck } from './types.js'

function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`
}

function check(
  target: string,
  ratio: number | null,
  goal: number,
  format: (ratio: number) => string,
  why = 'not measured',
  floor: number | null = null,
  reference: { ratio: number; label: string } | null = null,
): TargetCheck {
  if (ratio === null) return { target, measured: why, met: null }
  // What the floor (the least any signed, hashed-at-rest session can do) scored on the same
  // measure: the best a session layer could reach in this run. And, where measured, what the
  // bare framework scored with the requests sessionkit/express hands on (dictionary mode).
  const notes = [
    ...(floor === null ? [] : [`floor: ${format(floor)}`]),
    ...(reference === null ? [] : [`${reference.label}: ${format(reference.ratio)}`]),
  ]
  const yardstick = notes.length === 0 ? '' : ` (${notes.join('; ')})`
  return { target, measured: `${format(ratio)}${yardstick}`, met: ratio >= goal }
}

/**
 * The ratio to `versus` (a peer or the bare framework) in `scenario` of the row of `row`'s group
 * that has `role`, where the group measures one: the floor, or the reference (Express without
 * sessions, its req and res in dictionary mode as sessionkit/express puts them).
 */
function yardstickRatio(
  role: 'floor' | 'reference',
  http: HttpResults | undefined,
  row: HttpRow | undefined,
  versus: HttpRow | undefined,
  scenario: Scenario,
): number | null {
  if (http === undefined || row === undefined) return null
  return rateRatio(yardstickOf(http, row, role), versus, scenario)
}

/** The reference row's ratio, with what that row is (see Role in variants.ts). */
function referenceRatio(
  http: HttpResults | undefined,
  row: HttpRow | undefined,
  versus: HttpRow | undefined,
  scenario: Scenario,
): { ratio: number; label: string } | null {
  const ratio = yardstickRatio('reference', http, row, versus, scenario)
  const backend = http && row ? yardstickOf(http, row, 'reference')?.variant.backend : undefined
  if (ratio === null || backend === undefined) return null
  const label =
    backend === 'none-dictionary' ? 'no session, dictionary mode' : 'no session, empty middleware'
  return { ratio, label }
}

function floorRatio(
  http: HttpResults | undefined,
  row: HttpRow | undefined,
  versus: HttpRow | undefined,
  scenario: Scenario,
): number | null {
  return yardstickRatio('floor', http, row, versus, scenario)
}

function sessionkitRow(http: HttpResults | undefined, group: string): HttpRow | undefined {
  return http?.rows.find((row) => row.group === group && row.variant.role === 'sessionkit')
}

/** Why a row has no number for `scenario`, for the measured column. */
function whyMissing(row: HttpRow | undefined, scenario: Scenario): string {
  const cell = row?.cells[scenario]
  if (cell === undefined) return 'not measured'
  if ('skipped' in cell) return `skipped (${cell.skipped})`
  if ('error' in cell) return `error (${cell.error})`
  return 'peer not measured'
}

const PEER_TARGETS: readonly { group: string; name: string }[] = [
  {
    group: 'Express 5, memory',
    name: 'Express, memory: sessionkit vs express-session + MemoryStore',
  },
  {
    group: 'Express 5, Redis (node-redis client)',
    name: 'Express, Redis: sessionkit vs connect-redis',
  },
  { group: 'Express 5, PostgreSQL', name: 'Express, PostgreSQL: sessionkit vs connect-pg-simple' },
  {
    group: 'Express 5, SQLite',
    name: 'Express, SQLite: sessionkit vs better-sqlite3-session-store',
  },
  { group: 'Fastify 5, memory', name: 'Fastify, memory: sessionkit vs @fastify/session' },
]

const ADAPTER_GROUPS = [
  'Express 5, memory',
  'Fastify 5, memory',
  'Hono (node-server), memory',
  'Koa 3, memory',
  'node:http, memory',
]

function httpTargets(http: HttpResults | undefined): TargetCheck[] {
  const checks: TargetCheck[] = []
  for (const { group, name } of PEER_TARGETS) {
    const row = sessionkitRow(http, group)
    const peer = row && http ? peerOf(http, row) : undefined
    for (const scenario of ['read', 'write'] as const) {
      checks.push(
        check(
          `${name}, ${scenario}: ≥ 1.5×`,
          rateRatio(row, peer, scenario),
          1.5,
          times,
          whyMissing(row, scenario),
          floorRatio(http, row, peer, scenario),
        ),
      )
    }
  }
  const express = sessionkitRow(http, 'Express 5, memory')
  const bareExpress = express && http ? ceilingOf(http, express) : undefined
  checks.push(
    check(
      'Express, memory, read: sessionkit ≥ 85 % of Express without sessions',
      rateRatio(express, bareExpress, 'read'),
      0.85,
      percent,
      whyMissing(express, 'read'),
      floorRatio(http, express, bareExpress, 'read'),
      referenceRatio(http, express, bareExpress, 'read'),
    ),
  )
  checks.push(readWrites(http))
  checks.push(anonymousStoresNothing(http))
  // Issue 5: every adapter close to its bare framework on reads, and faster than every peer.
  for (const group of ADAPTER_GROUPS) {
    const row = sessionkitRow(http, group)
    const bare = row && http ? ceilingOf(http, row) : undefined
    checks.push(
      check(
        `${row?.variant.label ?? group}, read: ≥ 80 % of its framework without sessions (issue 5)`,
        rateRatio(row, bare, 'read'),
        0.8,
        percent,
        whyMissing(row, 'read'),
        floorRatio(http, row, bare, 'read'),
        referenceRatio(http, row, bare, 'read'),
      ),
    )
  }
  for (const { group, name } of PEER_TARGETS) {
    const row = sessionkitRow(http, group)
    const peer = row && http ? peerOf(http, row) : undefined
    const scenarios = ['read', 'write', 'new'] as const
    const ratios = scenarios.map((scenario) => rateRatio(row, peer, scenario))
    const all = ratios.every((ratio) => ratio !== null)
    checks.push({
      target: `${name}: faster on read, write and new (issue 5)`,
      measured: all
        ? scenarios.map((scenario, i) => `${scenario} ${times(ratios[i] ?? 0)}`).join(', ')
        : whyMissing(row, 'read'),
      met: all ? ratios.every((ratio) => (ratio ?? 0) > 1) : null,
    })
  }
  return checks
}

/** With touchAfter in force, sessionkit's reads must write nothing, on every variant. */
function readWrites(http: HttpResults | undefined): TargetCheck {
  const target = 'read with touchAfter in force: 0 store writes (every sessionkit variant)'
  const rows = http?.rows.filter((row) => row.variant.role === 'sessionkit') ?? []
  const measured = rows.flatMap((row) => {
    const cell = row.cells.read
    return isMeasured(cell) ? [{ row, writes: totalWrites(cell) }] : []
  })
  if (measured.length === 0) return { target, measured: 'not measured', met: null }
  const writing = measured.filter(({ writes }) => writes > 0)
  return {
    target,
    measured:
      writing.length === 0
        ? `0 writes in ${measured.length} of ${rows.length} variants`
        : writing.map(({ row, writes }) => `${row.variant.label}: ${writes}`).join('; '),
    met: writing.length === 0,
  }
}

/** An anonymous request (nothing set) stores no session and writes nothing. */
function anonymousStoresNothing(http: HttpResults | undefined): TargetCheck {
  const target = 'anonymous requests: no store write, no session stored (every sessionkit variant)'
  const rows = http?.rows.filter((row) => row.variant.role === 'sessionkit') ?? []
  const cells = rows.flatMap((row) => {
    const cell = row.cells.anonymous
    return isMeasured(cell) ? [{ row, cell }] : []
  })
  if (cells.length === 0) return { target, measured: 'not measured', met: null }
  const bad = cells.filter(
    ({ cell }) =>
      totalWrites(cell) > 0 ||
      (cell.recordsAfter !== null && cell.recordsAfter !== (cell.recordsBefore ?? 0)),
  )
  return {
    target,
    measured:
      bad.length === 0
        ? `0 writes, 0 sessions stored in ${cells.length} of ${rows.length} variants`
        : bad
            .map(
              ({ row, cell }) =>
                `${row.variant.label}: ${totalWrites(cell)} writes, sessions ${cell.recordsBefore} → ${cell.recordsAfter}`,
            )
            .join('; '),
    met: bad.length === 0,
  }
}

function rate(result: Result | undefined): number | null {
  return result === undefined || 'error' in result ? null : result.opsPerSec
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b
}

function storeTargets(stores: StoreTable[] | undefined): TargetCheck[] {
  if (stores === undefined) {
    return [
      {
        target: 'stores: ≥ 80 % of the raw driver on get and patch',
        measured: 'not measured',
        met: null,
      },
    ]
  }
  return stores.flatMap((table) =>
    (['get', 'patch'] as const).map((operation) => {
      const target = `stores, ${table.store} ${operation}: ≥ 80 % of the raw driver with JSON`
      if (table.skipped !== null)
        return { target, measured: `skipped (${table.skipped})`, met: null }
      const results = table.operations[operation]
      const ratio = ratioOf(rate(results?.get('sessionkit')), rate(results?.get('raw')))
      return check(target, ratio, 0.8, percent)
    }),
  )
}

/** Seal then unseal, one after the other: the rate of whole round trips. */
function roundTrip(table: SealTable, name: string): number | null {
  const seal = rate(table.seals.get(name))
  const unseal = rate(table.unseals.get(name))
  if (seal === null || unseal === null || seal === 0 || unseal === 0) return null
  return 1 / (1 / seal + 1 / unseal)
}

function sealTargets(seal: SealTable[] | undefined): TargetCheck[] {
  if (seal === undefined) {
    return [
      {
        target: 'sealed round trip: ≥ 10× iron-session, ≥ 70 % of raw AES-256-GCM',
        measured: 'not measured',
        met: null,
      },
    ]
  }
  return seal.flatMap((table) => {
    const where = `${table.payload}, ${table.concurrency} in flight`
    const ours = roundTrip(table, table.sessionkit)
    return [
      check(
        `sealed round trip (${where}): ≥ 10× iron-session`,
        ratioOf(ours, roundTrip(table, table.iron)),
        10,
        times,
      ),
      check(
        `sealed round trip (${where}): ≥ 70 % of raw AES-256-GCM`,
        ratioOf(ours, roundTrip(table, table.raw)),
        0.7,
        percent,
      ),
    ]
  })
}

/** Every target, in the order of the issue. */
export function checkTargets(results: RunResults): TargetCheck[] {
  return [
    ...httpTargets(results.http),
    ...storeTargets(results.stores),
    ...sealTargets(results.seal),
  ]
}
