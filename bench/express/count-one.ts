/**
 * One process of instructions.ts: builds the app of `kind` (apps.ts) and runs `count` requests
 * of `scenario` through it, then exits. `node --import tsx bench/express/count-one.ts kind
 * scenario count`, under callgrind.
 * @module
 */
import { buildApp, KINDS, type Kind, SCENARIOS, type Scenario } from './apps.js'

const [kind, scenario, count] = process.argv.slice(2)
if (!KINDS.includes(kind as Kind) || !SCENARIOS.includes(scenario as Scenario)) {
  throw new Error(`usage: count-one.ts ${KINDS.join('|')} ${SCENARIOS.join('|')} count`)
}
const app = await buildApp(kind as Kind)
await app.run(scenario as Scenario, Number(count))
