/**
 * A client-chosen or unknown ID is never adopted. 200+ malformed IDs, sent as the cookie
 * (raw, percent-encoded, and even correctly signed with the server's own key), as the token
 * header, and passed to the manager's raw-ID methods, make no store call at all; an unknown
 * but well-formed ID gets a fresh session under a new ID. Handed straight to the file store as
 * keys, none creates a file outside the store's folder (checked on the filesystem).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sign } from '../../src/core/crypto.js'
import { generateId, hashId, isValidStoreKey, isWellFormedId } from '../../src/core/ids.js'
import { SessionManager } from '../../src/core/manager.js'
import type { SessionRecord } from '../../src/core/store.js'
import { FileStore } from '../../src/stores/file.js'
import { malformedIds, percentEncoded } from './support/malformed-ids.js'
import { recordingStore } from './support/recording-store.js'

const SECRET = randomBytes(32).toString('base64url')
const parent = mkdtempSync(join(tmpdir(), 'sessionkit-client-ids-'))
const storeDir = join(parent, 'store')
const recorder = recordingStore(new FileStore({ dir: storeDir }))
const manager = new SessionManager({
  store: recorder.store,
  secrets: [SECRET],
  cookie: { secure: false },
  header: 'x-session-token',
  cleanupInterval: null,
})
const corpus = malformedIds()
const cwdBefore = new Set(readdirSync(process.cwd()))

afterAll(async () => {
  await manager.close()
  rmSync(parent, { recursive: true, force: true })
})

/** Every file and folder under `dir`, relative to it. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((path) =>
    relative(dir, join(dir, path)),
  )
}

describe('client-chosen session IDs', () => {
  it('the corpus has 200+ malformed IDs', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200)
  })

  it('a malformed ID, however it is sent, makes no store call and is never adopted', async () => {
    const keys = manager.options.keys
    for (const id of corpus) {
      const before = recorder.calls.length
      const requests = [
        `sid=${id}`,
        `sid=${percentEncoded(id)}`,
        // Signed with the server's own key: the signature is valid, the shape still is not.
        `sid=${sign(keys, id)}`,
        { token: id },
        { token: sign(keys, id) },
      ]
      for (const request of requests) {
        const session = await manager.load(request)
        expect(session.isNew).toBe(true)
        expect(session.id).not.toBe(id)
        expect(isWellFormedId(session.id)).toBe(true)
      }
      expect(await manager.getUserIdFromSessionId(id)).toBeNull()
      await manager.deleteSession(id)
      expect(await manager.revokeUserSession('user-1', id)).toBe(false)
      expect(recorder.calls.slice(before), JSON.stringify(id.slice(0, 40))).toEqual([])
    }
  })

  it('an unknown well-formed ID, validly signed, is looked up by its hash and replaced', async () => {
    for (let i = 0; i < 50; i++) {
      const chosen = generateId()
      const before = recorder.calls.length
      const session = await manager.load(`sid=${sign(manager.options.keys, chosen)}`)
      expect(recorder.calls.slice(before)).toEqual([{ method: 'get', key: hashId(chosen) }])
      expect(session.isNew).toBe(true)
      expect(session.id).not.toBe(chosen)
      session.set('x', 1)
      const [line] = await manager.commit(session)
      expect(line).not.toContain(chosen)
      expect(await recorder.inner.get(hashId(chosen), Date.now())).toBeNull()
    }
  })

  it('handed to the file store as keys, none writes outside its folder', async () => {
    const now = Date.now()
    const record: SessionRecord = {
      data: { x: 1 },
      userId: null,
      tenantId: null,
      ip: null,
      userAgent: null,
      createdAt: now,
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: now + 60_000,
    }
    const times = { lastSeenAt: now, expiresAt: now + 60_000 }
    const patch = { set: { y: 2 }, remove: [], updatedAt: now, ...times }
    const store = recorder.inner
    for (const key of corpus) {
      if (isValidStoreKey(key)) {
        // The shape stores accept ('CON', 'NUL', '0'…): it may be stored, inside the folder.
        await store.set(key, record)
      } else {
        await expect(store.set(key, record)).rejects.toMatchObject({
          code: 'SESSIONKIT_INVALID_STORE_KEY',
        })
        expect(await store.patch(key, patch, now)).toBe(false)
        expect(await store.touch(key, times, now)).toBe(false)
      }
      expect(await store.get(key, now)).toEqual(isValidStoreKey(key) ? record : null)
      await store.destroy(key)
    }
    const outside = listAll(parent).filter((path) => path !== 'store' && !path.startsWith('store/'))
    expect(outside).toEqual([])
    for (const path of listAll(storeDir)) {
      expect(
        path.split('/').every((part) => /^[A-Za-z0-9_.-]+$/.test(part)),
        path,
      ).toBe(true)
    }
    expect(readdirSync(process.cwd()).filter((name) => !cwdBefore.has(name))).toEqual([])
  })
})
