/**
 * `npm run bench -- [stores|seal]... [--duration=ms] [--rounds=n] [--concurrency=n]
 * [--only=memory,sqlite,...] [--quick]`: runs the named suites (all when none is named) and
 * prints their tables. Everything targets loopback and stops by itself.
 * @module
 */
import { cpus, loadavg } from 'node:os'
import { DEFAULT_LIMITS, type Limits } from './harness.js'
import { runSealSuite } from './seal/index.js'
import { runStoresSuite } from './stores/index.js'

const SUITES = ['stores', 'seal'] as const
type Suite = (typeof SUITES)[number]

interface Options {
  suites: Suite[]
  limits: Limits
  only: string[] | null
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
  let only: string[] | null = null
  for (const arg of args) {
    const [flag, value = ''] = arg.split('=', 2) as [string, string | undefined]
    if (isSuite(arg)) suites.push(arg)
    else if (arg === 'all') suites.push(...SUITES)
    else if (flag === '--duration') limits.durationMs = positiveInteger('duration', value)
    else if (flag === '--rounds') limits.rounds = positiveInteger('rounds', value)
    else if (flag === '--concurrency') limits.concurrency = positiveInteger('concurrency', value)
    else if (flag === '--only') only = value.split(',').filter(Boolean)
    else if (arg === '--quick') Object.assign(limits, { durationMs: 100, rounds: 2, warmupMs: 50 })
    else throw new Error(`unknown argument "${arg}"; suites: ${SUITES.join(', ')}, all`)
  }
  return { suites: suites.length === 0 ? [...SUITES] : [...new Set(suites)], limits, only }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const { limits } = options
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
  process.stdout.write(
    [
      `sessionkit benchmarks, ${new Date().toISOString()}`,
      `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load average ${load}`,
      `${limits.rounds} interleaved round(s) of ${limits.durationMs} ms per cell, rate over all rounds; at most ${limits.maxOps} calls per round`,
      '',
    ].join('\n'),
  )
  for (const suite of options.suites) {
    if (suite === 'seal') await runSealSuite(limits)
    else await runStoresSuite(limits, options.only)
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
