/**
 * One outage, end to end: a real HTTP server on a store, steady load from a few clients, the
 * store's server cut, held down, and brought back. Returns every response with the moments
 * that matter; the caller asserts on them (see outage.test.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Store } from '../../../src/core/store.js'
import { type Outcome, startLoad, waitForOutcomes } from './http-load.js'
import { type AppFront, type SessionApp, startSessionApp } from './session-app.js'

export interface OutagePlan {
  store: Store
  /** The HTTP front: the node adapter, or sessionkit/express. @default 'node' */
  front?: AppFront
  /** Takes the server away; resolves once it is gone (process dead, proxy closed). */
  cut(): Promise<void>
  /** Brings it back; resolves once it accepts connections again. */
  restore(): Promise<void>
  /** How long the server stays down: long enough for several timeouts to pass. */
  downMs: number
}

export interface OutageRecord {
  app: SessionApp
  outcomes: readonly Outcome[]
  /** performance.now() once the cut had completed, and when the restore began. */
  cutAt: number
  restoreAt: number
  /** The first 503 answered after the cut, and the first 200 begun after the restore. */
  first503: Outcome | undefined
  firstBack: Outcome | undefined
  /** Each client's counter in its last 200 before the cut. */
  countBefore: Map<number, number>
}

const CLIENTS = 6
/** A request unanswered after this is recorded as a hang (status 0) and fails the test. */
const HANG_AFTER_MS = 20_000

export async function runOutage(plan: OutagePlan): Promise<OutageRecord> {
  const app = await startSessionApp(plan.store, plan.front)
  const load = startLoad(app.url, CLIENTS, HANG_AFTER_MS)
  try {
    const warm = await waitForOutcomes(
      load,
      (outcomes) =>
        Array.from({ length: CLIENTS }, (_, client) => client).every(
          (client) => outcomes.filter((o) => o.client === client && o.status === 200).length >= 3,
        ),
      15_000,
    )
    if (!warm) throw new Error('the app never served every client before the outage')

    await plan.cut()
    const cutAt = performance.now()
    const countBefore = new Map<number, number>()
    for (const outcome of load.outcomes) {
      if (outcome.status === 200 && outcome.end <= cutAt) {
        countBefore.set(outcome.client, (JSON.parse(outcome.body) as { n: number }).n)
      }
    }
    await waitForOutcomes(load, (o) => o.some((x) => x.status === 503 && x.end >= cutAt), 10_000)
    await sleep(Math.max(0, cutAt + plan.downMs - performance.now()))

    const restoreAt = performance.now()
    await plan.restore()
    await waitForOutcomes(
      load,
      (o) => o.some((x) => x.status === 200 && x.start >= restoreAt),
      15_000,
    )
    // Keep the load on a little longer, so the test can see that serving stays back.
    await sleep(1500)
    await load.stop()
    const outcomes = load.outcomes
    return {
      app,
      outcomes,
      cutAt,
      restoreAt,
      // A request in flight at the cut counts: its 503 is the first sign of the outage too.
      first503: outcomes.find((o) => o.status === 503 && o.end >= cutAt),
      firstBack: outcomes.find((o) => o.status === 200 && o.start >= restoreAt),
      countBefore,
    }
  } catch (error) {
    await load.stop()
    await app.close()
    throw error
  }
}
