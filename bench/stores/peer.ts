/**
 * An express-session store (connect-redis, connect-pg-simple, express-session's own
 * MemoryStore) driven through its callback API, as express-session drives it: `get` on every
 * request, `set` of the whole session when it changed (our `patch` row), `touch` otherwise.
 * @module
 */
import type { SessionData, Store } from 'express-session'
import type { Op } from '../harness.js'
import type { Fixture } from './fixture.js'
import type { Ops } from './types.js'

type Callback<T> = (error: unknown, value?: T) => void

function call<T>(body: (done: Callback<T>) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    body((error, value) => (error ? reject(error) : resolve(value)))
  })
}

function session(fixture: Fixture, i: number): SessionData {
  return fixture.expressSession(i) as unknown as SessionData
}

/** The peer's session IDs are the same strings sessionkit uses as keys. */
export function peerOps(store: Store, fixture: Fixture): Ops {
  const get: Op = (i) =>
    call<SessionData | null>((done) =>
      store.get(fixture.key(i), (error, value) => done(error, value)),
    )
  const set: Op = (i) =>
    call<void>((done) => store.set(fixture.key(i), session(fixture, i), (error) => done(error)))
  const touch: Op = (i) =>
    call<void>((done) => {
      if (store.touch === undefined) throw new Error('the store has no touch')
      store.touch(fixture.key(i), session(fixture, i), () => done(null))
    })
  return { get, patch: set, touch }
}

/** Writes every fixture session into the peer store, a few at a time. */
export async function seedPeer(store: Store, fixture: Fixture): Promise<void> {
  const ops = peerOps(store, fixture)
  const batch = 32
  for (let start = 0; start < fixture.keys.length; start += batch) {
    const end = Math.min(start + batch, fixture.keys.length)
    const writes: Promise<unknown>[] = []
    for (let i = start; i < end; i++) writes.push(Promise.resolve(ops.patch?.(i)))
    await Promise.all(writes)
  }
}
