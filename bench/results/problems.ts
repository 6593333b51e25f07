/**
 * What went wrong in a run, for `--quick` in CI: a failed measurement means a code path of the
 * benchmark (or of sessionkit) broke. A skipped one (server unreachable) is a problem only when
 * SESSIONKIT_REQUIRE_SERVICES=1 says every service must be there.
 * @module
 */
import type { Result } from '../harness.js'
import type { RunResults } from './types.js'

function failed(result: Result | undefined): string | null {
  return result !== undefined && 'error' in result ? result.error : null
}

export function problems(results: RunResults, requireServices: boolean): string[] {
  const found: string[] = []
  for (const table of results.stores ?? []) {
    if (table.skipped !== null && requireServices)
      found.push(`stores ${table.store}: skipped (${table.skipped})`)
    for (const [operation, sides] of Object.entries(table.operations)) {
      for (const [side, result] of sides ?? []) {
        const error = failed(result)
        if (error !== null) found.push(`stores ${table.store} ${operation} ${side}: ${error}`)
      }
    }
  }
  for (const table of results.seal ?? []) {
    for (const [name, result] of [...table.seals, ...table.unseals]) {
      const error = failed(result)
      if (error !== null) found.push(`seal ${table.payload} ${name}: ${error}`)
    }
  }
  for (const row of results.http?.rows ?? []) {
    for (const [scenario, cell] of Object.entries(row.cells)) {
      if (cell === undefined) continue
      if ('error' in cell) found.push(`http ${row.variant.id} ${scenario}: ${cell.error}`)
      else if ('skipped' in cell && requireServices) {
        found.push(`http ${row.variant.id} ${scenario}: skipped (${cell.skipped})`)
      } else if ('rps' in cell && cell.errors + cell.non2xx > 0) {
        found.push(
          `http ${row.variant.id} ${scenario}: ${cell.errors} errors, ${cell.non2xx} non-2xx`,
        )
      }
    }
  }
  for (const row of results.memory ?? []) {
    if ('error' in row.sample) found.push(`memory ${row.name}: ${row.sample.error}`)
  }
  return found
}
