/**
 * A client of one session, driven through the SessionManager on a manual clock, next to a model
 * of when that session must expire: expiresAt = min(createdAt + lifetime, lastSeenAt +
 * idleTimeout), where lastSeenAt moves on a write, on an explicit refresh, and on a read once
 * touchAfter has passed, and a login restarts both under a new ID (the old one dead at once).
 * Every request checks the store directly (alive exactly while now < expiresAt) and then the
 * manager (the session comes back exactly while it is alive, with its data). Used by
 * clock.test.ts.
 */
import { parseSetCookie } from 'cookie'
import { expect } from 'vitest'
import { hashId } from '../../../src/core/ids.js'
import type { SessionManager } from '../../../src/core/manager.js'
import type { Store } from '../../../src/core/store.js'
import type { ManualClock } from '../../../src/core/time.js'

export type Step =
  | { kind: 'advance'; ms: number }
  /** Moves the clock to the model's expiry (idle or absolute deadline) plus `delta` ms. */
  | { kind: 'boundary'; which: 'idle' | 'absolute'; delta: -1 | 0 | 1 }
  | { kind: 'read' }
  | { kind: 'write' }
  | { kind: 'refresh' }
  /** Binds a user: a new ID, and the absolute lifetime starts again. */
  | { kind: 'login' }

export interface Policy {
  lifetime: number
  idleTimeout: number | null
  touchAfter: number
}

interface Live {
  cookie: string
  key: string
  createdAt: number
  lastSeenAt: number
  writes: number
}

export class ExpiryClient {
  #live: Live | null = null
  /** How many requests found the session alive and how many found it expired, for the report. */
  readonly seen = { alive: 0, expired: 0 }

  constructor(
    private readonly manager: SessionManager<{ writes: number }>,
    private readonly store: Store,
    private readonly clock: ManualClock,
    private readonly policy: Policy,
  ) {}

  #deadlines(live: Live): { absolute: number; idle: number } {
    const absolute = live.createdAt + this.policy.lifetime
    const idle =
      this.policy.idleTimeout === null
        ? Number.POSITIVE_INFINITY
        : live.lastSeenAt + this.policy.idleTimeout
    return { absolute, idle }
  }

  #expiresAt(live: Live): number {
    const { absolute, idle } = this.#deadlines(live)
    return Math.min(absolute, idle)
  }

  async step(step: Step): Promise<void> {
    if (step.kind === 'advance') {
      this.clock.advance(step.ms)
      return
    }
    if (step.kind === 'boundary') {
      if (this.#live === null) return
      const target = this.#deadlines(this.#live)[step.which] + step.delta
      // The clock only moves forward, as real time does.
      if (Number.isFinite(target) && target > this.clock.now()) this.clock.set(target)
      return
    }
    await this.#request(step.kind)
  }

  async #request(kind: 'read' | 'write' | 'refresh' | 'login'): Promise<void> {
    const now = this.clock.now()
    const live = this.#live
    const alive = live !== null && now < this.#expiresAt(live)
    const context = `${kind} at +${live === null ? '-' : now - live.createdAt} ms, expiresAt +${live === null ? '-' : this.#expiresAt(live) - live.createdAt} ms`
    if (live !== null) {
      // The store on its own: a record is alive exactly while now < expiresAt.
      const stored = await this.store.get(live.key, now)
      expect(stored !== null, `store.get, ${context}`).toBe(alive)
      if (stored !== null) expect(stored.expiresAt, context).toBe(this.#expiresAt(live))
    }
    const session = await this.manager.load(live?.cookie ?? null)
    expect(!session.isNew, `manager.load, ${context}`).toBe(alive)
    if (alive) {
      this.seen.alive++
      expect(session.get('writes') ?? 0, context).toBe(live.writes)
    } else {
      if (live !== null) this.seen.expired++
      this.#live = null
    }

    if (kind === 'write') session.set('writes', (alive ? live.writes : 0) + 1)
    if (kind === 'refresh' && alive) this.manager.refresh(session)
    if (kind === 'login') await session.login('user-1')
    const setCookie = await this.manager.commit(session)

    if (kind === 'login') {
      const parsed = parseSetCookie(setCookie.at(-1) ?? '')
      expect(parsed.value, 'a login sends the new cookie').toBeTruthy()
      if (alive) expect(await this.store.get(live.key, now), 'the ID before login').toBeNull()
      this.#live = {
        cookie: `${parsed.name}=${parsed.value}`,
        key: hashId(session.id),
        createdAt: now,
        lastSeenAt: now,
        writes: alive ? live.writes : 0,
      }
    } else if (alive) {
      const touchDue =
        this.policy.idleTimeout !== null && now - live.lastSeenAt >= this.policy.touchAfter
      if (kind !== 'read' || touchDue) live.lastSeenAt = now
      if (kind === 'write') live.writes++
    } else if (kind === 'write') {
      const parsed = parseSetCookie(setCookie.at(-1) ?? '')
      expect(parsed.value, 'a new session sends its cookie').toBeTruthy()
      this.#live = {
        cookie: `${parsed.name}=${parsed.value}`,
        key: hashId(session.id),
        createdAt: now,
        lastSeenAt: now,
        writes: 1,
      }
    }
  }
}
