/**
 * Printing results: Markdown pipe tables (so a run can be pasted into bench/README.md) with
 * numbers right-aligned, and the number formats every suite shares.
 * @module
 */
import type { Result } from './harness.js'

/** A rate with thousands separators, e.g. `123,456`. */
export function formatRate(result: Result | undefined): string {
  if (result === undefined) return '—'
  if ('error' in result) return `error: ${result.error}`
  return Math.round(result.opsPerSec).toLocaleString('en-US')
}

/** CPU microseconds per call, e.g. `41.3`. */
export function formatCpu(result: Result | undefined): string {
  if (result === undefined || 'error' in result || !Number.isFinite(result.cpuMicrosPerOp)) {
    return '—'
  }
  return result.cpuMicrosPerOp.toFixed(1)
}

/** `a` as a percentage of `b`, e.g. `93 %`; a dash when either is missing. */
export function formatPercent(a: Result | undefined, b: Result | undefined): string {
  if (a === undefined || b === undefined || 'error' in a || 'error' in b) return '—'
  if (b.opsPerSec === 0) return '—'
  return `${Math.round((a.opsPerSec / b.opsPerSec) * 100)} %`
}

/** `a` as a multiple of `b`, e.g. `3.4×`; a dash when either is missing. */
export function formatRatio(a: Result | undefined, b: Result | undefined): string {
  if (a === undefined || b === undefined || 'error' in a || 'error' in b) return '—'
  if (b.opsPerSec === 0) return '—'
  const ratio = a.opsPerSec / b.opsPerSec
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`
}

const NUMERIC = /^[-\d,.]+( %|×)?$/

/** A Markdown table with a title line; numeric cells are right-aligned. */
export function renderTable(title: string, headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]): string =>
    `| ${cells
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return NUMERIC.test(cell) ? cell.padStart(width) : cell.padEnd(width)
      })
      .join(' | ')} |`
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`
  return [`\n${title}\n`, line(headers), rule, ...rows.map(line), ''].join('\n')
}

/** Prints a table to stdout. */
export function printTable(title: string, headers: string[], rows: string[][]): void {
  process.stdout.write(`${renderTable(title, headers, rows)}\n`)
}
