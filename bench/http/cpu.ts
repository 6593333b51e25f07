/**
 * Server CPU per request, for comparing variants or two versions of sessionkit by hand:
 * `node --import tsx bench/http/cpu.ts <read|write|new|anonymous> <variant[@revision]>...
 * [--seconds=3] [--rounds=4] [--warmup=seconds]`, e.g.
 * `bench/http/cpu.ts write express/sk-memory@HEAD~1 express/sk-memory express/es-memory`.
 *
 * Each variant (an id of variants.ts) runs in a server child of its own, pinned to CPU 1 and
 * loaded by the suite's autocannon child pinned to CPU 0 (50 connections), in interleaved
 * rounds after a warm-up (the suite's, or `--warmup=` seconds), with fresh sessions before every
 * run, as in the http suite. `@revision` serves sessionkit as compiled from that git revision's
 * src/ (build.ts), without it the work tree's; the bench apps are always the work tree's. Beside
 * requests per second it prints the CPU time the server and the load generator used per
 * request, read from /proc (Linux only): on a noisy 2-core machine the
 * server's CPU per request moves less from run to run than its rate, and the client's shows
 * whether the load generator, not the server, was the limit. The http suite's tables report
 * rates only; the "by hand" tables of bench/README.md come from this. Not part of `npm run
 * bench`.
 * @module
 */
import { readFileSync, rmSync } from 'node:fs'
import { buildRevision, buildSessionkit } from './build.js'
import { childrenPinned } from './children.js'
import { freshRunSettings, HTTP_LIMITS } from './index.js'
import { type LoadGenerator, startLoadGenerator } from './load-handle.js'
import { REQUESTS, SCENARIOS, type Scenario } from './scenarios.js'
import { type ServerHandle, startServer } from './server-handle.js'
import { findVariant } from './variants.js'

const CONNECTIONS = 50
/** Linux's USER_HZ: /proc reports CPU time in these ticks on every architecture. */
const TICKS_PER_SECOND = 100

interface Measured {
  label: string
  server: ServerHandle
  rates: number[]
  serverUs: number[]
  clientUs: number[]
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find((candidate) => candidate.startsWith(`--${name}=`))
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3))
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`)
  return value
}

/** User and system CPU time of a process so far, in microseconds. */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) throw new Error('a child has no process ID')
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  const ticks = Number(fields[11]) + Number(fields[12])
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the CPU time of process ${pid}`)
  return (ticks * 1e6) / TICKS_PER_SECOND
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function runOnce(
  measured: Measured,
  load: LoadGenerator,
  scenario: Scenario,
  durationMs: number,
): Promise<{ rate: number; serverUs: number; clientUs: number }> {
  const request = REQUESTS[scenario]
  const cookies = request.withCookie ? await measured.server.newSessions(CONNECTIONS) : []
  const server = cpuMicros(measured.server.pid)
  const client = cpuMicros(load.pid)
  const result = await load.run({
    url: `${measured.server.url}${request.path}`,
    method: request.method,
    cookies,
    connections: CONNECTIONS,
    durationMs,
  })
  if (result.errors + result.non2xx > 0) {
    throw new Error(`${measured.label}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  }
  const requests = Math.max(result.requests, 1)
  return {
    rate: result.requests / result.seconds,
    serverUs: (cpuMicros(measured.server.pid) - server) / requests,
    clientUs: (cpuMicros(load.pid) - client) / requests,
  }
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

async function main(): Promise<void> {
  const [scenarioArg, ...rest] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
  if (!SCENARIOS.includes(scenarioArg as Scenario) || rest.length === 0) {
    throw new Error(
      `usage: bench/http/cpu.ts <${SCENARIOS.join('|')}> <variant[@revision]>... [--seconds=3] [--rounds=4] [--warmup=seconds]`,
    )
  }
  if (process.platform !== 'linux') throw new Error('cpu.ts reads CPU times from /proc (Linux)')
  const scenario = scenarioArg as Scenario
  const seconds = option('seconds', 3)
  const rounds = option('rounds', 4)
  const warmupMs = option('warmup', HTTP_LIMITS.warmupMs / 1000) * 1000
  const builds = new Map<string, string>()
  const buildFor = (revision: string | undefined): string => {
    const key = revision ?? ''
    let dir = builds.get(key)
    if (dir === undefined) {
      process.stderr.write(`compiling sessionkit${revision ? ` at ${revision}` : ''}\n`)
      dir = revision === undefined ? buildSessionkit() : buildRevision(revision)
      builds.set(key, dir)
    }
    return dir
  }
  if (!childrenPinned()) process.stderr.write('taskset is missing: the children are not pinned\n')
  const settings = freshRunSettings('cpu')
  const { dir } = settings
  const all: Measured[] = []
  const load = await startLoadGenerator()
  try {
    for (const label of rest) {
      const [id = '', revision] = label.split('@')
      const variant = findVariant(id)
      if (variant === undefined) throw new Error(`unknown variant ${id} (see variants.ts)`)
      // Read by each server child as it starts (use-build.mjs).
      process.env.BENCH_BUILD = buildFor(revision)
      const server = await startServer(variant, settings)
      all.push({ label, server, rates: [], serverUs: [], clientUs: [] })
    }
    for (const measured of all) await runOnce(measured, load, scenario, warmupMs)
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < all.length; k++) {
        const measured = all[(round + k) % all.length] as Measured
        const run = await runOnce(measured, load, scenario, seconds * 1000)
        measured.rates.push(run.rate)
        measured.serverUs.push(run.serverUs)
        measured.clientUs.push(run.clientUs)
        process.stderr.write(
          `round ${round + 1}: ${measured.label} ${Math.round(run.rate)}/s, server ${run.serverUs.toFixed(1)} µs/request\n`,
        )
      }
    }
  } finally {
    await Promise.allSettled(all.map((measured) => measured.server.close()))
    await load.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const lines = [
    `${scenario}: ${CONNECTIONS} connections, ${rounds} interleaved rounds of ${seconds} s; medians of the rounds`,
    '',
    row([
      'variant',
      'requests/s',
      'server CPU µs/request',
      'client CPU µs/request',
      'server µs, each round',
    ]),
    row(['---', '---:', '---:', '---:', '---']),
    ...all.map((measured) =>
      row([
        measured.label,
        Math.round(median(measured.rates)).toLocaleString('en-US'),
        median(measured.serverUs).toFixed(1),
        median(measured.clientUs).toFixed(1),
        measured.serverUs.map((us) => us.toFixed(0)).join(' '),
      ]),
    ),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
