/**
 * bench/RESULTS.md from one run: when and where it ran (with the load average, since the
 * machine may be shared), the targets met or missed, then every table as the suites printed
 * them.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderTable } from '../table.js'
import { machineLines, PACKAGES, packageVersion } from './machine.js'
import { MISSED_NOTES } from './notes.js'
import type { RunResults, TargetCheck } from './types.js'

export const RESULTS_PATH = fileURLToPath(new URL('../RESULTS.md', import.meta.url))

export interface RunContext {
  startedAt: Date
  finishedAt: Date
  loadAtStart: string
  loadAtEnd: string
  /** How the run was invoked, e.g. `npm run bench`. */
  command: string
  settings: string[]
}

function verdict(check: TargetCheck): string {
  return check.met === null ? 'not measured' : check.met ? 'met' : '**missed**'
}

export function renderTargets(checks: TargetCheck[]): string {
  return renderTable(
    '## Targets',
    ['target', 'measured', 'verdict'],
    checks.map((check) => [check.target, check.measured, verdict(check)]),
  )
}

const SECTIONS: readonly [string, string][] = [
  ['http', '## HTTP'],
  ['memory', '## Memory'],
  ['stores', '## Stores'],
  ['seal', '## Sealed cookies'],
]

export function renderResults(results: RunResults, checks: TargetCheck[], run: RunContext): string {
  const minutes = ((run.finishedAt.getTime() - run.startedAt.getTime()) / 60_000).toFixed(1)
  const met = checks.filter((check) => check.met === true).length
  const missed = checks.filter((check) => check.met === false).length
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`${run.command}\` (see [README.md](README.md) for what each suite measures and how to read it).`,
    '',
    `- Date: ${run.startedAt.toISOString()}, ${minutes} min`,
    ...machineLines().map((line) => `- ${line}`),
    `- Load average (1, 5, 15 min): ${run.loadAtStart} at the start, ${run.loadAtEnd} at the end. On this 2-core machine anything above ~2 means other work shared the CPUs, and the numbers are lower and noisier than on a quiet machine; ratios between interleaved candidates hold up better than rates.`,
    ...run.settings.map((line) => `- ${line}`),
    `- Versions: ${PACKAGES.map((name) => `${name} ${packageVersion(name)}`).join(', ')}`,
    '',
    `${met} target(s) met, ${missed} missed, ${checks.length - met - missed} not measured.`,
    renderTargets(checks),
  ]
  const notes = checks.filter((check) => check.met === false)
  const known = MISSED_NOTES.filter((note) =>
    notes.some((check) => note.matches.test(check.target)),
  )
  if (known.length > 0) {
    lines.push('### What limits the missed targets, where known', '')
    for (const note of known) lines.push(`- ${note.text}`)
    lines.push('')
  }
  for (const [suite, title] of SECTIONS) {
    const printed = results.printed[suite]
    if (printed !== undefined) lines.push(title, '', printed.trim(), '')
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`
}

export function writeResults(results: RunResults, checks: TargetCheck[], run: RunContext): void {
  writeFileSync(RESULTS_PATH, renderResults(results, checks, run))
}
