/**
 * The HTTP suite's tables, one per scenario: each variant's rate, latencies, errors, its ratio
 * to its peer and to its framework without sessions, and what it wrote to its store.
 * @module
 */
import { renderTable } from '../table.js'
import {
  ceilingOf,
  type HttpCell,
  type HttpResults,
  type HttpRow,
  isMeasured,
  peerOf,
  rateRatio,
  totalWrites,
} from './results.js'
import type { Scenario } from './scenarios.js'

const WHAT: Readonly<Record<Scenario, string>> = {
  read: 'read: GET /read, an existing session per connection, one value read',
  write: 'write: POST /write, an existing session per connection, one value changed',
  new: 'new: POST /new without a cookie, the first write creates a session',
  anonymous: 'anonymous: GET /anon without a cookie, nothing set: no session may be stored',
}

export function ratioText(ratio: number | null): string {
  if (ratio === null) return '—'
  return `${ratio.toFixed(2)}×`
}

export function percentText(ratio: number | null): string {
  return ratio === null ? '—' : `${Math.round(ratio * 100)} %`
}

function number(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

function writesText(cell: HttpCell | undefined, scenario: Scenario): string {
  if (!isMeasured(cell)) return '—'
  const total = totalWrites(cell)
  const byMethod = Object.entries(cell.writes)
    .filter(([, count]) => count > 0)
    .map(([method, count]) => `${method} ${number(count)}`)
    .join(', ')
  const perRequest = cell.requests > 0 ? (total / cell.requests).toFixed(2) : '—'
  const records =
    scenario === 'anonymous' && cell.recordsAfter !== null
      ? `; sessions stored ${cell.recordsBefore ?? '?'} → ${cell.recordsAfter}`
      : ''
  return total === 0 ? `0${records}` : `${number(total)} (${byMethod}; ${perRequest}/req)${records}`
}

function rowCells(results: HttpResults, row: HttpRow, scenario: Scenario): string[] {
  const cell = row.cells[scenario]
  const head = [row.group, row.variant.label]
  if (cell === undefined) return [...head, '—', '—', '—', '—', '—', '—', '—']
  if ('skipped' in cell) return [...head, `skipped (${cell.skipped})`, '—', '—', '—', '—', '—', '—']
  if ('error' in cell) return [...head, `error: ${cell.error}`, '—', '—', '—', '—', '—', '—']
  const role = row.variant.role
  const versusPeer =
    role === 'sessionkit' || role === 'floor'
      ? rateRatio(row, peerOf(results, row), scenario)
      : null
  const versusNone = role === 'ceiling' ? null : rateRatio(row, ceilingOf(results, row), scenario)
  return [
    ...head,
    number(cell.rps),
    cell.p50.toFixed(1),
    cell.p99.toFixed(1),
    number(cell.errors + cell.non2xx),
    ratioText(versusPeer),
    percentText(versusNone),
    writesText(cell, scenario),
  ]
}

/** The Markdown tables of every scenario. */
export function renderHttp(results: HttpResults, scenarios: readonly Scenario[]): string {
  const { limits } = results
  const headers = [
    'group',
    'variant',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors + non-2xx',
    'vs peer',
    'vs no session',
    'store writes',
  ]
  return scenarios
    .map((scenario) =>
      renderTable(
        `#### http ${WHAT[scenario]} (${limits.connections} connections, ${limits.rounds} × ${limits.durationMs} ms)`,
        headers,
        results.rows.map((row) => rowCells(results, row, scenario)),
      ),
    )
    .join('\n')
}
