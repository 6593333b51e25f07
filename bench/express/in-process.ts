/**
 * Express request cost without sockets: `node --import tsx bench/express/in-process.ts
 * read|write|new [requests=500] [rounds=40]`. The apps of apps.ts (bare Express,
 * express-session + MemoryStore, sessionkit/express + its memory store, and on `read` the
 * floor) in turn, 50 requests in flight; prints CPU µs per request (median of the rounds) and
 * the ratios (median of the rounds' ratios: the machine's speed drifts between rounds, and a
 * ratio within one round cancels most of the drift). It leaves out the kernel's share of a
 * request, which over loopback HTTP is the same for every variant, so it separates the
 * libraries' own costs more sharply than the http suite (whose ratios are the ones the targets
 * use). The apps share one process, and sessionkit's response gate, once its app has run,
 * sits on the `response` prototype every Express app inherits: the other apps' responses then
 * pass its guards too (a WeakMap lookup per setHeader or headersSent), which costs them a little;
 * instructions.ts runs each app in a process of its own. Not part of `npm run bench`.
 * @module
 */
import { type BenchApp, buildApp, type Kind, SCENARIOS, type Scenario } from './apps.js'

const [scenarioArg = 'read', n = '500', rounds = '40'] = process.argv.slice(2)
if (!SCENARIOS.includes(scenarioArg as Scenario)) {
  throw new Error(`scenario must be one of ${SCENARIOS.join(', ')}`)
}
const scenario = scenarioArg as Scenario
// The floor is compared on reads here; the http suite measures it on every scenario.
const kinds: readonly Kind[] =
  scenario === 'read' ? ['none', 'es', 'sk', 'floor'] : ['none', 'es', 'sk']
const apps = new Map<Kind, BenchApp>()
for (const kind of kinds) apps.set(kind, await buildApp(kind))
const times: Record<Kind, number[]> = { none: [], es: [], sk: [], floor: [] }
for (let r = 0; r < Number(rounds) + 1; r++) {
  for (const kind of kinds) {
    // CPU time, not wall time: waiting for the next turn of the event loop is not work.
    const start = process.cpuUsage()
    await apps.get(kind)?.run(scenario, Number(n))
    const used = process.cpuUsage(start)
    if (r > 0) times[kind].push((used.user + used.system) / Number(n))
  }
}
const med = (a: number[]): number =>
  [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? Number.NaN
/** Per round, `a`'s time over `b`'s: how many times faster `b` is. */
const ratio = (a: Kind, b: Kind): number =>
  med(times[a].map((t, round) => t / (times[b][round] ?? Number.NaN)))
for (const k of kinds) console.log(k.padEnd(5), med(times[k]).toFixed(2).padStart(7), 'µs/request')
if (kinds.includes('floor')) {
  console.log(`the floor (floor.ts) vs no session: ${(100 / ratio('floor', 'none')).toFixed(0)} %`)
}
console.log(
  `sessionkit vs express-session: ${ratio('es', 'sk').toFixed(2)}×, sessionkit vs no session: ${(100 / ratio('sk', 'none')).toFixed(0)} %, express-session vs no session: ${(100 / ratio('es', 'none')).toFixed(0)} %`,
)
