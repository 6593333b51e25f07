/**
 * The `stores` suite: for each store, get / patch / touch throughput of the sessionkit store,
 * of the raw driver doing the same round trips, and of the express-session store people use
 * where there is one, all on the same pre-created sessions with the same number of calls in
 * flight. One table per store.
 * @module
 */
import { compare, type Limits, type Op, type Result, within } from '../harness.js'
import { formatCpu, formatPercent, formatRate, printTable } from '../table.js'
import { fileTarget } from './file.js'
import { createFixture } from './fixture.js'
import { memoryTarget } from './memory.js'
import { mysqlTarget } from './mysql.js'
import { postgresTarget } from './postgres.js'
import { redisTarget } from './redis.js'
import { redisClusterTarget } from './redis-cluster.js'
import { sqliteTarget } from './sqlite.js'
import { type Bench, OPERATIONS, type Operation, type Ops, type StoreTarget } from './types.js'

/** Sessions created per store before timing. */
const SESSIONS = 1000
/** The most opening (seeding included) or cleaning up one store may take. */
const SETUP_MS = 120_000

export const STORE_TARGETS: readonly StoreTarget[] = [
  memoryTarget,
  fileTarget,
  sqliteTarget,
  postgresTarget,
  mysqlTarget,
  redisTarget,
  redisClusterTarget,
]

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Calls `op` once and checks the answer: a get must find the session, a patch or touch must
 * report a change (a peer's set and touch answer nothing). A mirror that misses its row would
 * otherwise be timed doing nothing.
 */
async function check(op: Op | undefined): Promise<string | null> {
  if (op === undefined) return null
  try {
    const result = await op(0)
    return result === null || result === false ? `check failed: answered ${String(result)}` : null
  } catch (error) {
    return `check failed: ${message(error)}`
  }
}

/** The best round as a result of its own, for the best-rounds column. */
function bestOf(result: Result | undefined): Result | undefined {
  if (result === undefined || 'error' in result) return result
  return { ...result, opsPerSec: result.bestOpsPerSec }
}

async function measureOperation(
  bench: Bench,
  operation: Operation,
  limits: Limits,
): Promise<Map<string, Result>> {
  const sides: [string, Ops | undefined][] = [
    ['sessionkit', bench.sessionkit],
    ['raw', bench.raw],
    ['peer', bench.peer?.ops],
  ]
  const candidates = new Map<string, Op>()
  const results = new Map<string, Result>()
  for (const [label, ops] of sides) {
    const op = ops?.[operation]
    if (op === undefined) continue
    const failure = await check(op)
    if (failure === null) candidates.set(label, op)
    else results.set(label, { error: failure })
  }
  for (const [label, result] of await compare(candidates, limits)) results.set(label, result)
  return results
}

function headers(bench: Bench | null): string[] {
  return [
    'operation',
    'sessionkit ops/s',
    `raw driver ops/s${bench ? ` (${bench.rawName})` : ''}`,
    'sessionkit as % of raw',
    `peer ops/s${bench?.peer ? ` (${bench.peer.name})` : ''}`,
    '% of raw, best rounds',
    'client CPU µs/op: sessionkit / raw',
  ]
}

/** One store's results, as runStoresSuite returns them: by operation, by side. */
export interface StoreTable {
  store: string
  /** Why the store did not run here, when it did not. */
  skipped: string | null
  /** Sides: `sessionkit`, `raw`, `peer`. */
  operations: Partial<Record<Operation, Map<string, Result>>>
}

async function runTarget(target: StoreTarget, limits: Limits): Promise<StoreTable> {
  const title = `stores: ${target.name}, ${limits.concurrency} in flight, ${SESSIONS} sessions`
  const fixture = createFixture(SESSIONS)
  let opened: Awaited<ReturnType<StoreTarget['open']>>
  try {
    opened = await within(target.open(fixture), SETUP_MS, 'setting up')
  } catch (error) {
    opened = { skip: `could not be set up: ${message(error)}` }
  }
  if ('skip' in opened) {
    const row = ['all', `skipped (${opened.skip})`, '—', '—', '—', '—', '—']
    printTable(title, headers(null), [row])
    return { store: target.name, skipped: opened.skip, operations: {} }
  }
  const bench = opened
  const rows: string[][] = []
  const operations: StoreTable['operations'] = {}
  try {
    for (const operation of OPERATIONS) {
      const results = await measureOperation(bench, operation, limits)
      operations[operation] = results
      const sessionkit = results.get('sessionkit')
      const raw = results.get('raw')
      const peerNote = bench.peer && operation === 'patch' ? ' (peer: set)' : ''
      rows.push([
        `${operation}${peerNote}`,
        formatRate(sessionkit),
        formatRate(raw),
        formatPercent(sessionkit, raw),
        formatRate(results.get('peer')),
        formatPercent(bestOf(sessionkit), bestOf(raw)),
        `${formatCpu(sessionkit)} / ${formatCpu(raw)}`,
      ])
    }
  } finally {
    await within(bench.cleanup(), SETUP_MS, 'cleaning up').catch((error: unknown) => {
      process.stderr.write(
        `${target.name}: ${message(error)}; leftovers carry the tag ${fixture.tag}\n`,
      )
    })
  }
  printTable(title, headers(bench), rows)
  return { store: target.name, skipped: null, operations }
}

/** Runs every store (or those named in `only`), one after the other. */
export async function runStoresSuite(limits: Limits, only: string[] | null): Promise<StoreTable[]> {
  const unknown = only?.filter((name) => !STORE_TARGETS.some((target) => target.name === name))
  if (unknown && unknown.length > 0) {
    throw new Error(
      `unknown store(s) ${unknown.join(', ')}; stores: ${STORE_TARGETS.map((t) => t.name).join(', ')}`,
    )
  }
  const tables: StoreTable[] = []
  for (const target of STORE_TARGETS) {
    if (only === null || only.includes(target.name)) tables.push(await runTarget(target, limits))
  }
  return tables
}
