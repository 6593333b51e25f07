/**
 * A logout racing an in-flight request never brings the session back. For every store, 1,000
 * interleavings of two requests on one session: a writer (a patch that changes data, or a
 * touch that only extends the expiry) and a logout, started after a random number of event
 * loop turns each, the writer loaded before or after the logout began. When both are done the
 * record must be gone and the old cookie must load a fresh, empty session. Interleavings run
 * 50 at a time on distinct sessions, so the engine sees them truly concurrently.
 */

import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashId } from '../../src/core/ids.js'
import { SessionManager } from '../../src/core/manager.js'
import type { Session } from '../../src/core/session.js'
import { RedisStore } from '../../src/stores/redis.js'
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster.js'
import { redisServerInstalled } from '../support/redis-server.js'
import { decideGate, describeWithService } from '../support/services.js'
import { type OpenedStore, storeKinds } from './support/store-matrix.js'

const SECRET = randomBytes(32).toString('base64url')
const INTERLEAVINGS = 1000
const BATCH = 50

interface Schedule {
  /** Event loop turns before the writer starts and before the logout starts. */
  writerTurns: number
  logoutTurns: number
  /** The writer read the session before the logout could start. */
  writerLoadsFirst: boolean
  write: 'patch' | 'touch'
}

const schedules = fc.sample(
  fc.record<Schedule>({
    writerTurns: fc.nat({ max: 6 }),
    logoutTurns: fc.nat({ max: 6 }),
    writerLoadsFirst: fc.boolean(),
    write: fc.constantFrom('patch', 'touch'),
  }),
  { numRuns: INTERLEAVINGS, seed: 20_261_135 },
)

/** Waits `n` turns of the event loop, so I/O callbacks of the other request can run between. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** How each interleaving's writer ended: its write applied before the logout, or lost to it. */
interface Outcomes {
  applied: number
  lost: number
}

async function interleave(
  manager: SessionManager,
  schedule: Schedule,
  outcomes: Outcomes,
): Promise<void> {
  const seeded = await manager.load()
  seeded.set('n', 0)
  const [line] = await manager.commit(seeded)
  const cookie = line?.split(';')[0] ?? ''
  const key = hashId(seeded.id)
  let writer: Session | undefined = schedule.writerLoadsFirst
    ? await manager.load(cookie)
    : undefined
  const logout = (async () => {
    await turns(schedule.logoutTurns)
    const session = await manager.load(cookie)
    await session.logout()
    await manager.commit(session)
  })()
  const write = (async () => {
    await turns(schedule.writerTurns)
    writer ??= await manager.load(cookie)
    if (schedule.write === 'patch') writer.set('n', 1)
    else manager.refresh(writer)
    await manager.commit(writer)
    // A writer that loaded after the logout holds a fresh session: neither outcome.
    if (writer.isDestroyed) outcomes.lost++
    else if (!writer.isNew) outcomes.applied++
  })()
  await Promise.all([logout, write])
  expect(await manager.store.get(key, Date.now()), 'the record came back').toBeNull()
  const after = await manager.load(cookie)
  expect(after.isNew).toBe(true)
  expect(after.get('n')).toBeUndefined()
}

/** Every schedule, BATCH at a time on distinct sessions; both sides of the race must be hit. */
async function raceAll(manager: SessionManager): Promise<void> {
  const outcomes: Outcomes = { applied: 0, lost: 0 }
  for (let start = 0; start < schedules.length; start += BATCH) {
    await Promise.all(
      schedules
        .slice(start, start + BATCH)
        .map((schedule) => interleave(manager, schedule, outcomes)),
    )
  }
  // Both sides of the race must have been reached, or the interleavings prove little.
  expect(outcomes.applied).toBeGreaterThan(20)
  expect(outcomes.lost).toBeGreaterThan(20)
}

for (const kind of await storeKinds()) {
  describeWithService(kind.gate, `logout racing a write: ${kind.name}`, () => {
    let opened: OpenedStore
    let manager: SessionManager

    beforeAll(async () => {
      opened = await kind.open('race')
      manager = new SessionManager({
        store: opened.store,
        secrets: [SECRET],
        cookie: { secure: false },
        cleanupInterval: null,
      })
    })

    afterAll(async () => {
      await opened?.drop()
    })

    it(`${INTERLEAVINGS} interleavings: the session never comes back`, async () => {
      await raceAll(manager)
    })
  })
}

describeWithService(
  decideGate('redis-server (to start a private Redis Cluster)', redisServerInstalled()),
  'logout racing a write: redis-cluster',
  () => {
    let cluster: RedisClusterHandle | undefined
    let manager: SessionManager | undefined

    beforeAll(async () => {
      cluster = await startRedisCluster()
      manager = new SessionManager({
        store: new RedisStore({ cluster: cluster.nodes, prefix: 'sessionkit-hostile-race:' }),
        secrets: [SECRET],
        cookie: { secure: false },
        cleanupInterval: null,
      })
    })

    afterAll(async () => {
      // The cluster is private to this file: stopping it removes every key.
      await manager?.close()
      await cluster?.stop()
    })

    it(`${INTERLEAVINGS} interleavings: the session never comes back`, async () => {
      await raceAll(manager as SessionManager)
    })
  },
)
