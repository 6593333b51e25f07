/**
 * Instructions per request, counted by valgrind's callgrind: `node --import tsx
 * bench/express/instructions.ts [read] [write] [new] [--store=memory|redis|postgres|sqlite]`.
 * Each app of apps.ts (bare Express, express-session + MemoryStore, sessionkit/express compiled
 * as published + its memory store, and on `read` the floor; with `--store=` a server store, the
 * http suite's peer, sessionkit store and floor on it, the floor on every scenario) runs in its
 * own process under callgrind, once with 4,000 requests
 * and once with 12,000; the difference over 8,000 is the count per request (start-up and module
 * loading cancel out, and by then the JIT has compiled the request path: until 2026-11-29 the
 * runs had 1,000 and 3,000 requests, and the compiling done between the two was most of the
 * count, 1,250k instructions per sessionkit/express memory write against 646k from 4,000 to
 * 12,000). V8 runs on one thread here
 * (`--single-threaded`), so unlike time the count does not depend on what else the machine is
 * doing (repeat runs of one build agree within 0.1 %), and it separates the
 * libraries' own work on a noisy machine, garbage collection included. It leaves out what a
 * count cannot see: cache misses, the kernel, waiting. About two minutes per process, two at a
 * time. Not part of `npm run bench`.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildSessionkit } from '../http/build.js'
import { KINDS, type Kind, SCENARIOS, type Scenario, STORES, type StoreName } from './apps.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const USE_BUILD = fileURLToPath(new URL('../http/use-build.mjs', import.meta.url))
const COUNT_ONE = fileURLToPath(new URL('./count-one.ts', import.meta.url))
const SHORT = 4000
const LONG = 12000
/** A bound on one process under callgrind (they take about a minute here). */
const PROCESS_MS = 15 * 60_000

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (Debian: apt-get install -y valgrind)')
  process.exit(1)
}
const storeArg = process.argv.slice(2).find((arg) => arg.startsWith('--store='))
const store = (storeArg?.slice('--store='.length) ?? 'memory') as StoreName
if (!STORES.includes(store)) throw new Error(`--store must be one of ${STORES.join(', ')}`)
const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
for (const name of asked) {
  if (!SCENARIOS.includes(name as Scenario)) throw new Error(`unknown scenario ${name}`)
}
const scenarios = asked.length > 0 ? (asked as Scenario[]) : [...SCENARIOS]
const build = buildSessionkit()

/** The instructions callgrind collected for one process, all its threads together. */
function collected(kind: Kind, scenario: Scenario, count: number): Promise<number> {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    // V8's background threads (concurrent marking, compiling) finish their work at times that
    // depend on the machine, and the count with them: on one thread, repeat counts of the same
    // build agree to within 0.1 % (they moved by up to 30 % with them).
    '--single-threaded',
    '--import',
    'tsx',
    '--import',
    USE_BUILD,
    COUNT_ONE,
    kind,
    scenario,
    String(count),
    store,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, {
      cwd: ROOT,
      env: { ...process.env, BENCH_BUILD: build },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_MS)
    child.on('close', (code) => {
      clearTimeout(timer)
      const match = /Collected : (\d+)/.exec(stderr)
      if (code === 0 && match) resolve(Number(match[1]))
      else reject(new Error(`${kind} ${scenario} ${count}: exit ${code}\n${stderr.slice(-2000)}`))
    })
  })
}

/** Runs the jobs two at a time (the machine has two cores; counts do not depend on it). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length)
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++
      results[index] = await (jobs[index] as () => Promise<T>)()
    }
  }
  await Promise.all([worker(), worker()])
  return results
}

const cells = scenarios.flatMap((scenario) =>
  // On memory the floor is a read yardstick; on a server store it is measured on every scenario.
  KINDS.filter((kind) => kind !== 'floor' || scenario === 'read' || store !== 'memory').map(
    (kind) => ({
      scenario,
      kind,
    }),
  ),
)
const counts = await inPairs(
  cells.flatMap(({ kind, scenario }) => [
    () => collected(kind, scenario, SHORT),
    () => collected(kind, scenario, LONG),
  ]),
)
const perRequest = new Map<string, number>()
cells.forEach(({ kind, scenario }, index) => {
  const short = counts[2 * index] as number
  const long = counts[2 * index + 1] as number
  perRequest.set(`${scenario}/${kind}`, (long - short) / (LONG - SHORT))
})

const thousands = (value: number | undefined) =>
  value === undefined ? '–' : `${Math.round(value / 1000).toLocaleString('en-US')}k`
const PEERS: Record<StoreName, string> = {
  memory: 'express-session + MemoryStore',
  redis: 'express-session + connect-redis',
  postgres: 'express-session + connect-pg-simple',
  sqlite: 'express-session + better-sqlite3-session-store',
}
console.log(
  store === 'memory'
    ? '\nInstructions per request (callgrind; in-process, no sockets)\n'
    : `\nInstructions per request (callgrind; in-process, no sockets but the ${store} store's)\n`,
)
console.log(
  `| scenario | Express, no session | ${PEERS[store]} | sessionkit/express + ${store} | floor | express-session / sessionkit |`,
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
for (const scenario of scenarios) {
  const of = (kind: Kind) => perRequest.get(`${scenario}/${kind}`)
  const es = of('es')
  const sk = of('sk')
  const ratio = es !== undefined && sk !== undefined ? `${(es / sk).toFixed(2)}×` : '–'
  console.log(
    `| ${scenario} | ${thousands(of('none'))} | ${thousands(es)} | ${thousands(sk)} | ${thousands(of('floor'))} | ${ratio} |`,
  )
}
