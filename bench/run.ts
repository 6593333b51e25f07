/**
 * `npm run bench -- [stores|seal|http|memory]... [--duration=ms] [--rounds=n]
 * [--concurrency=n] [--only=memory,sqlite,...] [--groups=express-memory,...] [--quick]
 * [--write]`: runs the named suites (all when none is named), prints their tables and the
 * targets, and writes bench/RESULTS.md after a full run (every suite, not --quick) or when
 * --write is given. Everything targets loopback and stops by itself.
 * @module
 */
import { cpus } from 'node:os'
import { DEFAULT_LIMITS, type Limits } from './harness.js'
import { childrenPinned } from './http/children.js'
import { HTTP_LIMITS, HTTP_QUICK_LIMITS, runHttpSuite } from './http/index.js'
import type { HttpLimits } from './http/results.js'
import { selectGroups } from './http/variants.js'
import { MEMORY_QUICK_SESSIONS, MEMORY_SESSIONS, runMemorySuite } from './memory/index.js'
import { capture } from './results/capture.js'
import { loadAverage } from './results/machine.js'
import { problems } from './results/problems.js'
import { checkTargets } from './results/targets.js'
import type { RunResults } from './results/types.js'
import { RESULTS_PATH, renderTargets, writeResults } from './results/write.js'
import { runSealSuite } from './seal/index.js'
import { runStoresSuite } from './stores/index.js'

const SUITES = ['stores', 'seal', 'http', 'memory'] as const
type Suite = (typeof SUITES)[number]

interface Options {
  suites: Suite[]
  limits: Limits
  http: HttpLimits
  memorySessions: number
  only: string[] | null
  groups: string[] | null
  quick: boolean
  write: boolean
}

function isSuite(value: string): value is Suite {
  return (SUITES as readonly string[]).includes(value)
}

function positiveInteger(name: string, value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1) {
    throw new Error(`--${name} must be a positive whole number, got "${value}"`)
  }
  return number
}

function parseArgs(args: string[]): Options {
  const suites: Suite[] = []
  const limits: Limits = { ...DEFAULT_LIMITS }
  // Flags given explicitly win over --quick, whatever their order.
  const given: Partial<Limits> = {}
  let only: string[] | null = null
  let groups: string[] | null = null
  let quick = false
  let write = false
  for (const arg of args) {
    const [flag, value = ''] = arg.split('=', 2) as [string, string | undefined]
    if (isSuite(arg)) suites.push(arg)
    else if (arg === 'all') suites.push(...SUITES)
    else if (flag === '--duration') given.durationMs = positiveInteger('duration', value)
    else if (flag === '--rounds') given.rounds = positiveInteger('rounds', value)
    else if (flag === '--concurrency') given.concurrency = positiveInteger('concurrency', value)
    else if (flag === '--only') only = value.split(',').filter(Boolean)
    else if (flag === '--groups') {
      groups = value.split(',').filter(Boolean)
      selectGroups(groups) // an unknown group fails now, not after the suites before it
    } else if (arg === '--quick') quick = true
    else if (arg === '--write') write = true
    else throw new Error(`unknown argument "${arg}"; suites: ${SUITES.join(', ')}, all`)
  }
  if (quick) Object.assign(limits, { durationMs: 100, rounds: 2, warmupMs: 50 })
  Object.assign(limits, given)
  const http = { ...(quick ? HTTP_QUICK_LIMITS : HTTP_LIMITS) }
  // --rounds applies to every suite; --duration is the stores' and seal's (HTTP rounds are
  // seconds, not milliseconds, long).
  if (given.rounds !== undefined) http.rounds = given.rounds
  const all = suites.length === 0
  return {
    suites: all ? [...SUITES] : [...new Set(suites)],
    limits,
    http,
    memorySessions: quick ? MEMORY_QUICK_SESSIONS : MEMORY_SESSIONS,
    only,
    groups,
    quick,
    write: write || (all && !quick && only === null && groups === null),
  }
}

async function runSuite(suite: Suite, options: Options, results: RunResults): Promise<void> {
  if (suite === 'stores') {
    const { value, printed } = await capture(() => runStoresSuite(options.limits, options.only))
    results.stores = value
    results.printed.stores = printed
  } else if (suite === 'seal') {
    const { value, printed } = await capture(() => runSealSuite(options.limits))
    results.seal = value
    results.printed.seal = printed
  } else if (suite === 'http') {
    const { value, printed } = await capture(() => runHttpSuite(options.http, options.groups))
    results.http = value
    results.printed.http = printed
  } else {
    const { value, printed } = await capture(() => runMemorySuite(options.memorySessions))
    results.memory = value
    results.printed.memory = printed
  }
}

function settingsLines(options: Options): string[] {
  const { limits, http } = options
  return [
    `stores and seal: ${limits.rounds} interleaved round(s) of ${limits.durationMs} ms per cell after ${limits.warmupMs} ms of warm-up, ${limits.concurrency} calls in flight, at most ${limits.maxOps} calls per round`,
    `http: ${http.connections} connections, ${http.rounds} interleaved round(s) of ${http.durationMs} ms per variant and scenario after ${http.warmupMs} ms of warm-up; ${childrenPinned() ? 'each server child pinned to CPU 1 and the load generator to CPU 0 (taskset)' : 'children not pinned to CPUs'}; sessionkit compiled by tsc as published (tsconfig.build.json), the peers as they ship`,
    `memory: ${options.memorySessions.toLocaleString('en-US')} sessions per store`,
  ]
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const startedAt = new Date()
  const loadAtStart = loadAverage()
  const settings = settingsLines(options)
  process.stdout.write(
    [
      `sessionkit benchmarks, ${startedAt.toISOString()}`,
      `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load average ${loadAtStart}`,
      ...settings,
      '',
    ].join('\n'),
  )
  const results: RunResults = { printed: {} }
  for (const suite of options.suites) {
    const suiteStart = Date.now()
    await runSuite(suite, options, results)
    process.stderr.write(`${suite}: ${((Date.now() - suiteStart) / 1000).toFixed(1)} s\n`)
  }
  const checks = checkTargets(results)
  process.stdout.write(`${renderTargets(checks)}\n`)
  if (options.write) {
    writeResults(results, checks, {
      startedAt,
      finishedAt: new Date(),
      loadAtStart,
      loadAtEnd: loadAverage(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      settings,
    })
    process.stdout.write(`wrote ${RESULTS_PATH}\n`)
  }
  // A quick run is CI's check that every path of the benchmark still works: any failure fails it.
  if (options.quick) {
    const found = problems(results, process.env.SESSIONKIT_REQUIRE_SERVICES === '1')
    if (found.length > 0) throw new Error(`the quick run hit problems:\n  ${found.join('\n  ')}`)
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exit(1)
  },
)
