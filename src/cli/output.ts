/**
 * Output for people (aligned tables, relative times) and for scripts (JSON).
 * @module
 */

/** Where the CLI writes; tests and the real process differ only here. */
export interface CliIo {
  /** Writes to stdout: results. */
  out(text: string): void
  /** Writes to stderr: errors, warnings, progress. */
  err(text: string): void
  /** True when stdout and stderr are both terminals (progress bars are drawn then only). */
  readonly interactive: boolean
  /** The stream a progress bar draws on. */
  readonly progressStream: NodeJS.WritableStream
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: Boolean(process.stdout.isTTY && process.stderr.isTTY),
    progressStream: process.stderr,
  }
}

/** Pretty JSON, the form every `--json` prints. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
}

/** Cuts `text` to `width` characters, marking the cut. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`
}

/** An aligned table: a header row, then the rows; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** Label-value lines, aligned: a table without a header row. */
export function pairs(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
]

/** A span as its largest unit and the one below it: `2d 3h`, `45m 3s`, `1h`, `12s`. */
export function formatSpan(ms: number): string {
  const span = Math.abs(ms)
  const index = UNITS.findIndex(([, size]) => span >= size)
  const major = UNITS[index]
  if (major === undefined) return '0s'
  const amount = Math.floor(span / major[1])
  const minor = UNITS[index + 1]
  const rest = minor === undefined ? 0 : Math.floor((span - amount * major[1]) / minor[1])
  return minor !== undefined && rest > 0
    ? `${amount}${major[0]} ${rest}${minor[0]}`
    : `${amount}${major[0]}`
}

/** `in 23h 59m` or `5m ago`, relative to `now`. */
export function relativeTime(at: number, now: number): string {
  return at >= now ? `in ${formatSpan(at - now)}` : `${formatSpan(now - at)} ago`
}

/** A store URL safe to print: any password replaced by `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/, '$1***@')
    .replace(/([?&](?:password|pass|pwd)=)[^&]*/gi, '$1***')
}
