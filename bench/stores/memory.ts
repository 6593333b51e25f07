/**
 * Memory: sessionkit's MemoryStore beside a bare Map doing what it does (entries with the
 * data as JSON text, an LRU move on every hit, parse on read, parse and re-stringify on a
 * patch), and beside express-session's MemoryStore.
 * @module
 */
import session from 'express-session'
import type { JsonObject, SessionRecord } from '../../src/core/store.js'
import { MemoryStore } from '../../src/stores/memory.js'
import type { Fixture } from './fixture.js'
import { peerOps, seedPeer } from './peer.js'
import type { Opened, Ops, StoreTarget } from './types.js'

type Entry = Omit<SessionRecord, 'data'> & { data: string }

function rawMap(fixture: Fixture): Ops {
  const map = new Map<string, Entry>()
  for (const [index, key] of fixture.keys.entries()) {
    const record = fixture.records[index] as SessionRecord
    map.set(key, { ...record, data: JSON.stringify(record.data) })
  }
  const live = (key: string, now: number): Entry | undefined => {
    const entry = map.get(key)
    if (entry === undefined || !(now < entry.expiresAt)) return undefined
    map.delete(key)
    map.set(key, entry)
    return entry
  }
  return {
    get: (i) => {
      const entry = live(fixture.key(i), fixture.now)
      return entry === undefined ? null : { ...entry, data: JSON.parse(entry.data) as JsonObject }
    },
    patch: (i) => {
      const key = fixture.key(i)
      const entry = live(key, fixture.now)
      if (entry === undefined) return false
      const patch = fixture.patch(i)
      const data = JSON.parse(entry.data) as JsonObject
      Object.assign(data, patch.set)
      for (const field of patch.remove) delete data[field]
      const { updatedAt, lastSeenAt, expiresAt } = patch
      map.set(key, { ...entry, data: JSON.stringify(data), updatedAt, lastSeenAt, expiresAt })
      return true
    },
    touch: (i) => {
      const entry = live(fixture.key(i), fixture.now)
      if (entry === undefined) return false
      Object.assign(entry, fixture.times(i))
      return true
    },
  }
}

export const memoryTarget: StoreTarget = {
  name: 'memory',
  async open(fixture): Promise<Opened> {
    const store = new MemoryStore({ sweepInterval: 0 })
    for (const [index, key] of fixture.keys.entries()) {
      await store.set(key, fixture.records[index] as SessionRecord)
    }
    const peer = new session.MemoryStore()
    await seedPeer(peer, fixture)
    return {
      sessionkit: {
        get: (i) => store.get(fixture.key(i), fixture.now),
        patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
        touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
      },
      raw: rawMap(fixture),
      rawName: 'Map, same steps',
      peer: { name: 'express-session MemoryStore', ops: peerOps(peer, fixture) },
      cleanup: () => store.close(),
    }
  },
}
