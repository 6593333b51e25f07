/**
 * One virtual client of the soak: a browser with a one-cookie jar that does a random mix of
 * new / read / write / regenerate / destroy, remembers the value it last wrote, and checks
 * every answer against it. What it finds goes into a shared {@link Tally}.
 */
import type { Agent } from 'node:http'
import { type HttpAnswer, send } from './soak-http.js'

export const COOKIE_NAME = 'connect.sid'
/** Answers slower than this are listed in the report, to tell a stalled server from a slow one. */
const SLOW_MS = 5_000

export type Operation = 'new' | 'read' | 'write' | 'regenerate' | 'destroy'

/** How often each operation is picked: mostly reads and writes, as in a real app. */
export const MIX: ReadonlyArray<readonly [Operation, number]> = [
  ['read', 50],
  ['write', 30],
  ['new', 8],
  ['regenerate', 7],
  ['destroy', 5],
]
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0)

export function pickOperation(random = Math.random()): Operation {
  let left = random * TOTAL_WEIGHT
  for (const [operation, weight] of MIX) {
    left -= weight
    if (left < 0) return operation
  }
  return 'read'
}

/** What all clients found. Samples keep the first few problems for the failure message. */
export interface Tally {
  requests: number
  /** The slowest answer, ms: how close the soak came to the idle timeout and the request time limit. */
  slowestMs: number
  /** The slowest answers over {@link SLOW_MS}, slowest first: to tell a start-up burst from a stall. */
  slow: SlowAnswer[]
  /** When the load started (epoch ms). */
  startedAt: number
  errors: number
  lostWrites: number
  /** An old ID that still opened the session after regenerate. */
  oldIdsAlive: number
  sessionsCreated: number
  /** When each client abandoned a live session without destroying it (the `new` operation). */
  abandonedAt: number[]
  samples: string[]
  operations: Record<Operation, number>
}

export interface SlowAnswer {
  ms: number
  /** Seconds into the run when it was sent. */
  sentAt: number
  what: string
}

/** Keeps the five slowest. */
function noteSlow(tally: Tally, answer: SlowAnswer): void {
  tally.slow.push(answer)
  tally.slow.sort((a, b) => b.ms - a.ms)
  tally.slow.length = Math.min(tally.slow.length, 5)
}

export function emptyTally(): Tally {
  return {
    requests: 0,
    slowestMs: 0,
    slow: [],
    startedAt: Date.now(),
    errors: 0,
    lostWrites: 0,
    oldIdsAlive: 0,
    sessionsCreated: 0,
    abandonedAt: [],
    samples: [],
    operations: { new: 0, read: 0, write: 0, regenerate: 0, destroy: 0 },
  }
}

function sample(tally: Tally, text: string): void {
  if (tally.samples.length < 20) tally.samples.push(text)
}

/** The `connect.sid=…` pair a response sets, or undefined. */
function sessionCookieOf(answer: HttpAnswer): string | undefined {
  const line = answer.setCookie.find((l) => l.startsWith(`${COOKIE_NAME}=`))
  return line?.split(';')[0]
}

export class VirtualClient {
  /** The Cookie header to send: the session cookie, or undefined for none. */
  #cookie: string | undefined
  /** The value the session must hold: the last one written, null with no session. */
  #expected: string | null = null
  #writes = 0

  constructor(
    readonly name: string,
    private readonly base: string,
    private readonly agent: Agent,
    private readonly tally: Tally,
  ) {}

  get hasSession(): boolean {
    return this.#cookie !== undefined
  }

  async step(operation: Operation): Promise<void> {
    // Regenerating or destroying nothing tests nothing: write instead.
    const op =
      !this.hasSession && (operation === 'regenerate' || operation === 'destroy')
        ? 'write'
        : operation
    this.tally.operations[op]++
    switch (op) {
      case 'new':
        if (this.hasSession) this.tally.abandonedAt.push(Date.now())
        this.#cookie = undefined
        this.#expected = null
        return this.#write()
      case 'read':
        return this.#read()
      case 'write':
        return this.#write()
      case 'regenerate':
        return this.#regenerate()
      case 'destroy':
        return this.#destroy()
    }
  }

  /** One request; any network error or non-2xx is counted and answers null. */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    cookie = this.#cookie,
  ): Promise<HttpAnswer | null> {
    this.tally.requests++
    const started = performance.now()
    try {
      const answer = await send(this.agent, new URL(path, this.base), method, cookie)
      const ms = performance.now() - started
      this.tally.slowestMs = Math.max(this.tally.slowestMs, ms)
      if (ms > SLOW_MS) {
        const connection = answer.reusedSocket ? 'a kept-alive' : 'a new'
        noteSlow(this.tally, {
          ms,
          sentAt: (Date.now() - ms - this.tally.startedAt) / 1000,
          what: `${method} ${path} on ${connection} connection`,
        })
      }
      if (answer.status >= 200 && answer.status < 300) return answer
      this.tally.errors++
      sample(this.tally, `${method} ${path}: ${answer.status} ${answer.body.slice(0, 200)}`)
    } catch (error) {
      this.tally.errors++
      sample(this.tally, `${method} ${path}: ${String(error)}`)
    }
    return null
  }

  async #read(): Promise<void> {
    const answer = await this.#request('GET', '/read')
    if (answer === null) return
    const { value } = JSON.parse(answer.body) as { value: string | null }
    if (value !== this.#expected) {
      this.tally.lostWrites++
      sample(this.tally, `${this.name}: read ${value}, last wrote ${this.#expected}`)
    }
  }

  async #write(): Promise<void> {
    const value = `${this.name}-${++this.#writes}`
    const fresh = !this.hasSession
    const answer = await this.#request('GET', `/write?value=${value}`)
    if (answer === null) return
    const cookie = sessionCookieOf(answer)
    if (fresh) {
      if (cookie === undefined) {
        this.tally.errors++
        sample(this.tally, `${this.name}: a new session came without a cookie`)
        return
      }
      this.tally.sessionsCreated++
    }
    if (cookie !== undefined) this.#cookie = cookie
    this.#expected = value
  }

  async #regenerate(): Promise<void> {
    const old = this.#cookie
    const answer = await this.#request('POST', '/regenerate')
    if (answer === null) return
    const cookie = sessionCookieOf(answer)
    if (cookie === undefined || cookie === old) {
      this.tally.errors++
      sample(this.tally, `${this.name}: regenerate sent no new cookie`)
      return
    }
    this.#cookie = cookie
    this.tally.sessionsCreated++
    // The old ID must be dead the moment regenerate has answered (session fixation).
    const stale = await this.#request('GET', '/read', old)
    if (stale !== null && (JSON.parse(stale.body) as { value: unknown }).value !== null) {
      this.tally.oldIdsAlive++
      sample(this.tally, `${this.name}: the old ID still opens the session after regenerate`)
    }
  }

  async #destroy(): Promise<void> {
    const answer = await this.#request('POST', '/destroy')
    if (answer === null) return
    // express-session sends no cookie on destroy; the browser's cookie now names nothing.
    this.#cookie = undefined
    this.#expected = null
  }
}
