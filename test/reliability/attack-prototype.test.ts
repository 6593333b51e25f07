/**
 * Keys named __proto__, constructor and prototype pollute nothing, on every store: set through
 * the Session (at the top level and nested, by insert and by patch, as flash keys), written
 * straight into the store as JSON, and sent as cookie names or configured as the cookie name.
 * Each must come back as ordinary data of its own session while Object.prototype stays clean
 * and a neighbouring session stays as it was.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sign } from '../../src/core/crypto.js'
import { generateId, hashId } from '../../src/core/ids.js'
import { SessionManager } from '../../src/core/manager.js'
import type { JsonObject } from '../../src/core/store.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { describeWithService } from '../support/services.js'
import { type OpenedStore, storeKinds } from './support/store-matrix.js'

const SECRET = randomBytes(32).toString('base64url')
const KEYS = ['__proto__', 'constructor', 'prototype'] as const

/** `{ "<key>": { polluted: true } }` with the key as an own property, as JSON.parse builds it. */
function hostile(key: string): JsonObject {
  return JSON.parse(`{"${key}":{"polluted":true,"prototype":{"polluted":true}}}`) as JsonObject
}

function expectClean(): void {
  const probe: Record<string, unknown> = {}
  expect(probe.polluted).toBeUndefined()
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
  expect(typeof probe.constructor).toBe('function')
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype)
}

const cookieOf = (lines: string[]) => lines[0]?.split(';')[0] ?? ''

for (const kind of await storeKinds()) {
  describeWithService(kind.gate, `prototype keys: ${kind.name}`, () => {
    let opened: OpenedStore
    let manager: SessionManager
    let neighbour: string

    beforeAll(async () => {
      opened = await kind.open('proto')
      manager = new SessionManager({
        store: opened.store,
        secrets: [SECRET],
        cookie: { secure: false },
        cleanupInterval: null,
      })
      const session = await manager.load()
      session.set('plain', { a: 1 })
      neighbour = cookieOf(await manager.commit(session))
    })

    afterAll(async () => {
      await opened?.drop()
    })

    it('set, patched and flashed under prototype keys, they stay data of their own session', async () => {
      const session = await manager.load()
      for (const key of KEYS) session.set(key as never, hostile(key) as never)
      session.set('nested', hostile('__proto__') as never)
      const cookie = cookieOf(await manager.commit(session))
      const loaded = await manager.load(cookie)
      for (const key of KEYS) {
        expect(loaded.has(key as never)).toBe(true)
        expect(loaded.get(key as never)).toEqual(hostile(key))
      }
      // The patch path: changed values and flashes under the same keys.
      for (const key of KEYS) {
        loaded.set(key as never, { again: key } as never)
        loaded.flash(key as never, hostile(key) as never)
      }
      await manager.commit(loaded)
      const patched = await manager.load(cookie)
      for (const key of KEYS) expect(patched.get(key as never)).toEqual({ again: key })
      expect(Object.keys(patched.flashes()).sort()).toEqual([...KEYS].sort())
      expectClean()
      const other = await manager.load(neighbour)
      expect(other.entries()).toEqual([['plain', { a: 1 }]])
    })

    it('stored JSON with prototype keys at every level loads as plain data', async () => {
      const id = generateId()
      const now = Date.now()
      const data = JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"deep":{"__proto__":{"__proto__":{"polluted":true}}}}',
      ) as JsonObject
      await opened.store.set(hashId(id), {
        data,
        userId: null,
        tenantId: null,
        ip: null,
        userAgent: null,
        createdAt: now,
        updatedAt: now,
        lastSeenAt: now,
        expiresAt: now + 60_000,
      })
      const session = await manager.load(`sid=${sign(manager.options.keys, id)}`)
      expect(session.get('__proto__' as never)).toEqual({ polluted: true })
      expect(session.keys().sort()).toEqual(['__proto__', 'constructor', 'deep'])
      expectClean()
    })
  })
}

describe('prototype keys as cookie names', () => {
  const NAMES = [...KEYS, 'toString', 'hasOwnProperty', 'valueOf']

  it('sent next to the session cookie, or configured as its name, they change nothing', async () => {
    for (const name of NAMES) {
      const manager = new SessionManager({
        store: new MemoryStore({ sweepInterval: 0 }),
        secrets: [SECRET],
        cookie: { secure: false, name },
        cleanupInterval: null,
      })
      // No cookie of that name sent: the lookup must not find Object.prototype's member.
      const fresh = await manager.load(`${NAMES.filter((n) => n !== name).join('=1; ')}=1`)
      expect(fresh.isNew).toBe(true)
      fresh.set('who', name)
      const cookie = cookieOf(await manager.commit(fresh))
      const noise = NAMES.filter((n) => n !== name).map((n) => `${n}=x`)
      const loaded = await manager.load([...noise, cookie].join('; '))
      expect(loaded.get('who')).toBe(name)
      expectClean()
      await manager.close()
    }
  })
})
