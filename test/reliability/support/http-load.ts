/**
 * Steady HTTP load from a few clients, each with its own cookie jar, recording every response
 * with its start and end time, so an outage test can say afterwards what each request got and
 * how long it took. A request that has not answered after `hangAfterMs` is recorded as a hang
 * (status 0) rather than awaited forever.
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface Outcome {
  client: number
  /** performance.now() when the request was sent and when its answer was read. */
  start: number
  end: number
  /** 0 when the request hung or the connection failed. */
  status: number
  body: string
  headers: Headers | null
  /** The cookie the client sent with this request ('' for none). */
  sentCookie: string
}

export interface LoadRun {
  readonly outcomes: readonly Outcome[]
  /** Stops every client and waits for their last request. */
  stop(): Promise<void>
}

export function startLoad(url: string, clients: number, hangAfterMs: number): LoadRun {
  const outcomes: Outcome[] = []
  let running = true
  const loop = async (client: number) => {
    let cookie = ''
    while (running) {
      const start = performance.now()
      let outcome: Outcome
      try {
        const response = await fetch(url, {
          headers: cookie === '' ? {} : { cookie },
          signal: AbortSignal.timeout(hangAfterMs),
        })
        const body = await response.text()
        outcome = {
          client,
          start,
          end: performance.now(),
          status: response.status,
          body,
          headers: response.headers,
          sentCookie: cookie,
        }
        // A 200 may set or clear the cookie; a failure must not change what the client holds.
        const set = response.headers.getSetCookie()[0]
        if (response.status === 200 && set !== undefined) cookie = set.split(';')[0] ?? ''
      } catch (error) {
        const body = error instanceof Error ? error.message : String(error)
        outcome = {
          client,
          start,
          end: performance.now(),
          status: 0,
          body,
          headers: null,
          sentCookie: cookie,
        }
      }
      outcomes.push(outcome)
      // A short pause keeps the load steady without taking both cores from the other suites.
      await sleep(10)
    }
  }
  const loops = Array.from({ length: clients }, (_, client) => loop(client))
  return {
    outcomes,
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

/** Waits until `check` holds for the outcomes so far (polled every 20 ms); false on timeout. */
export async function waitForOutcomes(
  run: LoadRun,
  check: (outcomes: readonly Outcome[]) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (check(run.outcomes)) return true
    await sleep(20)
  }
  return check(run.outcomes)
}
