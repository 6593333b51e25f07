/**
 * One process of instructions.ts: builds the app of `kind` on `store` (apps.ts) and runs
 * `count` requests of `scenario` through it, then removes what it stored and exits. `node
 * --import tsx bench/express/count-one.ts kind scenario count [store]`, under callgrind.
 * @module
 */
import {
  buildApp,
  KINDS,
  type Kind,
  SCENARIOS,
  type Scenario,
  STORES,
  type StoreName,
} from './apps.js'

const [kind, scenario, count, store = 'memory'] = process.argv.slice(2)
if (
  !KINDS.includes(kind as Kind) ||
  !SCENARIOS.includes(scenario as Scenario) ||
  !STORES.includes(store as StoreName)
) {
  throw new Error(
    `usage: count-one.ts ${KINDS.join('|')} ${SCENARIOS.join('|')} count [${STORES.join('|')}]`,
  )
}
const app = await buildApp(kind as Kind, store as StoreName)
try {
  await app.run(scenario as Scenario, Number(count))
} finally {
  await app.close()
}
// better-sqlite3-session-store's expiry sweep is an interval nothing can clear: it would keep
// the process alive.
process.exit(0)
