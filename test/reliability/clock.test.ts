/**
 * Expiry against the clock. Property tests on a manual clock: random sequences of clock
 * advances (including jumps to one millisecond before, at and after each deadline), reads,
 * writes, refreshes and logins, with random lifetimes and idle timeouts, on every store that
 * runs here; the store must hold a session exactly until its expiry, and the manager must hand
 * it back exactly until then, never after its absolute or idle deadline. Then the same rules
 * on the real clock, with a lifetime of 2 s, on every store.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { SessionManager } from '../../src/core/manager.js'
import type { Store } from '../../src/core/store.js'
import { ManualClock } from '../../src/core/time.js'
import { openStore } from '../../src/stores/open-store.js'
import { ExpiryClient, type Policy, type Step } from './support/expiry-model.js'
import { allTargets, type Namespace } from './support/store-targets.js'

const targets = await allTargets()
/** Runs per store: each is a fresh policy and a sequence of up to 40 steps. */
const RUNS = 40
/** Far enough ahead that no engine TTL set from these times can fire on the real clock mid-test. */
const CLOCK_START = Date.now() + 86_400_000

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    lifetime: fc.integer({ min: 1000, max: 120_000 }),
    idle: fc.option(fc.integer({ min: 200, max: 120_000 }), { nil: null }),
    touchDivisor: fc.integer({ min: 2, max: 20 }),
  })
  .map(({ lifetime, idle, touchDivisor }) => ({
    lifetime,
    idleTimeout: idle,
    touchAfter: idle === null ? 0 : Math.floor(idle / touchDivisor),
  }))

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 60_000 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('boundary' as const),
      which: fc.constantFrom('idle' as const, 'absolute' as const),
      delta: fc.constantFrom(-1 as const, 0 as const, 1 as const),
    }),
    // Often: the millisecond around a deadline is where an off-by-one would hide.
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: 'read' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'write' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'refresh' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'login' as const }), weight: 1 },
)

function manager(store: Store, policy: Policy, clock?: ManualClock) {
  return new SessionManager<{ writes: number }>({
    store,
    secrets: [randomBytes(32).toString('base64url')],
    cookie: { secure: false },
    cleanupInterval: null,
    lifetime: policy.lifetime,
    idleTimeout: policy.idleTimeout,
    ...(policy.idleTimeout === null ? {} : { touchAfter: policy.touchAfter }),
    ...(clock === undefined ? {} : { clock }),
  })
}

// Stores run side by side: each is mostly waiting on its engine.
describe.concurrent('Expiry on a manual clock', () => {
  for (const target of targets) {
    if (!target.gate.run) {
      it.skip(`${target.name}: ${target.gate.skipReason}`, () => {})
      continue
    }
    it(`${target.name}: a session lives exactly until min(created + lifetime, last seen + idle), never after`, async () => {
      const namespace = await target.namespace('clock')
      // One store for every run, as an app has; the manager (policy, clock) is new per run.
      const store = openStore(namespace.url)
      const totals = { runs: 0, steps: 0, alive: 0, expired: 0 }
      try {
        await fc.assert(
          fc.asyncProperty(
            policyArb,
            fc.array(stepArb, { minLength: 5, maxLength: 40 }),
            async (policy, steps) => {
              const clock = new ManualClock(CLOCK_START)
              const sessions = manager(store, policy, clock)
              const client = new ExpiryClient(sessions, store, clock, policy)
              for (const step of steps) await client.step(step)
              totals.runs++
              totals.steps += steps.length
              totals.alive += client.seen.alive
              totals.expired += client.seen.expired
            },
          ),
          { numRuns: RUNS },
        )
        // The sequences must have reached both sides of the deadlines, or they proved little.
        expect(totals.alive).toBeGreaterThan(0)
        expect(totals.expired).toBeGreaterThan(0)
        console.info(
          `[clock ${target.name}] ${totals.runs} runs, ${totals.steps} steps: ${totals.alive} requests found the session alive and ${totals.expired} found it expired, each exactly as the model said`,
        )
      } finally {
        await store.close()
        await namespace.drop()
      }
    })
  }
})

/**
 * On the real clock a request's "now" is only known to lie between the times taken before and
 * after it, so each check is made only where that whole window is on one side of the deadline.
 */
describe.concurrent('Expiry on the real clock (lifetime 2 s, idle timeout 1 s)', () => {
  const namespaces: Namespace[] = []
  afterAll(async () => {
    await Promise.all(namespaces.map((namespace) => namespace.drop()))
  })
  for (const target of targets) {
    if (!target.gate.run) continue
    it(`${target.name}: idle requests extend a session up to its lifetime, and never past it`, async () => {
      const namespace = await target.namespace('realclock')
      namespaces.push(namespace)
      const store = openStore(namespace.url)
      const policy: Policy = { lifetime: 2000, idleTimeout: 1000, touchAfter: 100 }
      const sessions = manager(store, policy)
      try {
        const start = Date.now()
        const first = await sessions.load(null)
        first.set('writes', 1)
        const cookie = (await sessions.commit(first))[0]?.split(';')[0] ?? ''
        const created = { from: start, to: Date.now() }
        let lastSeen = created
        // A read at `at` ms after creation; returns whether the session came back.
        const readAt = async (
          at: number,
        ): Promise<{ alive: boolean; from: number; to: number }> => {
          await sleep(Math.max(0, created.from + at - Date.now()))
          const from = Date.now()
          const session = await sessions.load(cookie)
          await sessions.commit(session)
          return { alive: !session.isNew, from, to: Date.now() }
        }
        const expectAt = (read: { alive: boolean; from: number; to: number }, label: string) => {
          const earliest = Math.min(created.from + policy.lifetime, lastSeen.from + 1000)
          const latest = Math.min(created.to + policy.lifetime, lastSeen.to + 1000)
          if (read.to < earliest) expect(read.alive, `${label}: before the deadline`).toBe(true)
          if (read.from >= latest) expect(read.alive, `${label}: past the deadline`).toBe(false)
          if (read.alive) lastSeen = { from: read.from, to: read.to }
        }
        // Each read comes within the idle timeout of the one before, so only the lifetime ends it.
        expectAt(await readAt(600), 'read at 0.6 s')
        expectAt(await readAt(1200), 'read at 1.2 s (past the first idle deadline)')
        expectAt(await readAt(1750), 'read at 1.75 s')
        const late = await readAt(2300)
        expectAt(late, 'read at 2.3 s (past the lifetime)')
        expect(late.alive).toBe(false)

        // A session nobody reads for longer than the idle timeout is gone, lifetime or not.
        const idle = await sessions.load(null)
        idle.set('writes', 1)
        const idleCookie = (await sessions.commit(idle))[0]?.split(';')[0] ?? ''
        await sleep(1300)
        expect((await sessions.load(idleCookie)).isNew).toBe(true)
        console.info(
          `[clock ${target.name}] real clock: extended by reads to its 2 s lifetime and no further; idle for 1.3 s: gone`,
        )
      } finally {
        await sessions.close()
      }
    })
  }
})
