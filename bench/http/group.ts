/**
 * Measuring one group of variants: start their servers (each its own child process), then per
 * scenario warm each up and run the measured rounds interleaved (A B C, B C A, C A B…), so
 * whatever else the noisy machine does hits all of them alike. Sessions for `read` and `write`
 * are made fresh before every run, one per connection.
 * @module
 */
import { unreachable } from '../stores/server.js'
import type { RunSettings } from './backends/types.js'
import type { LoadGenerator } from './load-handle.js'
import { type LoadResult, messageOf } from './protocol.js'
import type { HttpCell, HttpLimits, HttpRow } from './results.js'
import { REQUESTS, SCENARIOS, type Scenario } from './scenarios.js'
import { type ServerHandle, startServer } from './server-handle.js'
import type { Group } from './variants.js'

/** `anonymous` first, while the stores are empty: its record counts are then cheap and plain. */
const ORDER: readonly Scenario[] = ['anonymous', ...SCENARIOS.filter((s) => s !== 'anonymous')]

interface Run {
  result: LoadResult
  writes: Record<string, number>
}

interface Tally {
  runs: Run[]
  recordsBefore: number | null
  recordsAfter: number | null
}

function difference(after: Record<string, number>, before: Record<string, number>) {
  const writes: Record<string, number> = {}
  for (const [method, count] of Object.entries(after))
    writes[method] = count - (before[method] ?? 0)
  return writes
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

function summarize(tally: Tally): HttpCell {
  const { runs } = tally
  if (runs.length === 0) return { error: 'no round was measured' }
  let requests = 0
  let seconds = 0
  let errors = 0
  let non2xx = 0
  const writes: Record<string, number> = {}
  for (const run of runs) {
    requests += run.result.requests
    seconds += run.result.seconds
    errors += run.result.errors
    non2xx += run.result.non2xx
    for (const [method, count] of Object.entries(run.writes)) {
      writes[method] = (writes[method] ?? 0) + count
    }
  }
  return {
    rps: seconds > 0 ? requests / seconds : 0,
    requests,
    p50: median(runs.map((run) => run.result.p50)),
    p99: median(runs.map((run) => run.result.p99)),
    errors,
    non2xx,
    writes,
    recordsBefore: tally.recordsBefore,
    recordsAfter: tally.recordsAfter,
  }
}

async function runOnce(
  server: ServerHandle,
  load: LoadGenerator,
  scenario: Scenario,
  limits: HttpLimits,
  durationMs: number,
): Promise<Run> {
  const request = REQUESTS[scenario]
  const cookies = request.withCookie ? await server.newSessions(limits.connections) : []
  const before = await server.stats()
  const result = await load.run({
    url: `${server.url}${request.path}`,
    method: request.method,
    cookies,
    connections: limits.connections,
    durationMs,
  })
  const after = await server.stats()
  return { result, writes: difference(after.writes, before.writes) }
}

async function recordsOf(server: ServerHandle): Promise<number | null> {
  return (await server.stats(true)).records
}

async function measureScenario(
  servers: ServerHandle[],
  failed: Map<string, string>,
  load: LoadGenerator,
  scenario: Scenario,
  limits: HttpLimits,
): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>()
  const attempt = async (server: ServerHandle, body: () => Promise<void>): Promise<void> => {
    if (failed.has(server.variant.id)) return
    try {
      await body()
    } catch (error) {
      failed.set(server.variant.id, messageOf(error))
    }
  }
  for (const server of servers) {
    const tally: Tally = { runs: [], recordsBefore: null, recordsAfter: null }
    tallies.set(server.variant.id, tally)
    await attempt(server, async () => {
      if (scenario === 'anonymous') tally.recordsBefore = await recordsOf(server)
      if (limits.warmupMs > 0) await runOnce(server, load, scenario, limits, limits.warmupMs)
    })
  }
  for (let round = 0; round < limits.rounds; round++) {
    for (let k = 0; k < servers.length; k++) {
      const server = servers[(round + k) % servers.length] as ServerHandle
      await attempt(server, async () => {
        const run = await runOnce(server, load, scenario, limits, limits.durationMs)
        tallies.get(server.variant.id)?.runs.push(run)
      })
    }
  }
  if (scenario === 'anonymous') {
    for (const server of servers) {
      await attempt(server, async () => {
        const tally = tallies.get(server.variant.id)
        if (tally) tally.recordsAfter = await recordsOf(server)
      })
    }
  }
  return tallies
}

/** Why a variant cannot run on this machine (its server is not listening), or null. */
async function skipReason(group: Group, index: number): Promise<string | null> {
  const needs = group.variants[index]?.needs
  return needs ? unreachable(needs.host, needs.port) : null
}

/** Measures every variant of `group` in every scenario. Never throws for a variant's failure. */
export async function runGroup(
  group: Group,
  load: LoadGenerator,
  settings: RunSettings,
  limits: HttpLimits,
  progress: (line: string) => void,
): Promise<HttpRow[]> {
  const rows: HttpRow[] = group.variants.map((variant) => ({
    group: group.name,
    variant,
    cells: {},
  }))
  const skipped = new Map<string, string>()
  const failed = new Map<string, string>()
  const servers: ServerHandle[] = []
  const started = await Promise.allSettled(
    group.variants.map(async (variant, index) => {
      const reason = await skipReason(group, index)
      if (reason !== null) {
        skipped.set(variant.id, reason)
        return null
      }
      return startServer(variant, settings)
    }),
  )
  started.forEach((outcome, index) => {
    const variant = group.variants[index]
    if (variant === undefined) return
    if (outcome.status === 'rejected') skipped.set(variant.id, messageOf(outcome.reason))
    else if (outcome.value !== null) servers.push(outcome.value)
  })
  try {
    for (const scenario of ORDER) {
      progress(`http: ${group.name}, ${scenario}`)
      const tallies = await measureScenario(servers, failed, load, scenario, limits)
      for (const row of rows) {
        const id = row.variant.id
        const skip = skipped.get(id)
        const error = failed.get(id)
        const tally = tallies.get(id)
        row.cells[scenario] =
          skip !== undefined
            ? { skipped: skip }
            : error !== undefined
              ? { error }
              : tally
                ? summarize(tally)
                : { error: 'not run' }
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()))
  }
  return rows
}
