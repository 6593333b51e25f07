/**
 * list, show, revoke, revoke-user, cleanup and stats through the real executable, on SQLite
 * and file stores seeded by a real SessionManager.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { hashId } from '../../src/index.js'
import { json, loadThrough, type Seeded, seed, sessionkit, tempDir } from './support.js'

// Each test starts the CLI in child processes; a loaded CI machine needs more than the default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const root = tempDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface View {
  handle: string
  userId: string | null
  ip: string | null
  userAgent: string | null
  expiresAt: string
}
interface Stats {
  sessions: number
  users: number
  anonymous: number
  byUser: Record<string, number>
  byExpiry: Record<string, number>
}

let counter = 0
const STORES = [
  ['sqlite', () => `sqlite:${join(root, `db-${counter++}`, 'sessions.db')}`],
  ['file', () => `file:${join(root, `files-${counter++}`)}`],
] as const

describe.each(STORES)('admin commands on %s', (_name, makeUrl) => {
  let url: string
  let seeded: Seeded[]
  /** user-1 ×3, user-2 ×1, anonymous ×2, and two expired sessions. */
  let alice: Seeded[]
  let bob: Seeded
  let anonymous: Seeded[]

  beforeEach(async () => {
    url = makeUrl()
    seeded = await seed(url, [
      { userId: 'user-1', lifetime: '30m', data: { cart: 'a' } },
      { userId: 'user-1', lifetime: '12h' },
      { userId: 'user-1', lifetime: '3d' },
      { userId: 'user-2', lifetime: '10d', userAgent: 'curl/8' },
      { lifetime: '20m' },
      { lifetime: '2h' },
      { userId: 'user-1', lifetime: '1h', ago: 2 * 3_600_000 },
      { lifetime: '1h', ago: 3 * 3_600_000 },
    ])
    alice = seeded.slice(0, 3)
    bob = seeded[3] as Seeded
    anonymous = seeded.slice(4, 6)
  })

  const run = (...args: string[]) => sessionkit(['--store', url, ...args])

  it('stats counts live sessions, by user and by expiry', async () => {
    const result = await run('stats', '--json')
    expect(result.code).toBe(0)
    expect(json<Stats>(result)).toEqual({
      sessions: 6,
      users: 2,
      anonymous: 2,
      byUser: { 'user-1': 3, 'user-2': 1 },
      byExpiry: { '<1h': 2, '<24h': 2, '<7d': 1, '>=7d': 1 },
    })
    const table = await run('stats')
    expect(table.stdout).toMatch(/live sessions\s+6/)
    expect(table.stdout).toMatch(/user-1\s+3/)
  })

  it('list shows handles (hashes), never raw IDs', async () => {
    const result = await run('list', '--json')
    expect(result.code).toBe(0)
    const views = json<View[]>(result)
    const live = [...alice, bob, ...anonymous]
    expect(views.map((view) => view.handle).sort()).toEqual(
      live.map((session) => hashId(session.id)).sort(),
    )
    for (const session of seeded) expect(result.stdout).not.toContain(session.id)
    expect(views.find((view) => view.userId === 'user-2')).toMatchObject({
      ip: '203.0.113.7',
      userAgent: 'curl/8',
    })
    const table = await run('list')
    expect(table.stdout.split('\n')[0]).toMatch(/^HANDLE\s+USER\s+IP\s+LAST SEEN\s+EXPIRES/)
    expect(table.stdout).toContain(hashId(bob.id))
  })

  it('list --user and --limit', async () => {
    const mine = json<View[]>(await run('list', '--user', 'user-1', '--json'))
    expect(mine.map((view) => view.handle).sort()).toEqual(
      alice.map((session) => hashId(session.id)).sort(),
    )
    expect(json<View[]>(await run('list', '--limit', '2', '--json'))).toHaveLength(2)
    const nobody = await run('list', '--user', 'nobody')
    expect(nobody.code).toBe(0)
    expect(nobody.stdout).toContain('no live sessions of user nobody')
  })

  it('show finds a session by handle or by raw ID, with its data', async () => {
    const [first] = alice as [Seeded]
    const byId = await run('show', first.id, '--json')
    expect(byId.code).toBe(0)
    const detail = json<View & { data: Record<string, unknown> }>(byId)
    expect(detail).toMatchObject({
      handle: hashId(first.id),
      userId: 'user-1',
      data: { cart: 'a' },
    })
    expect(byId.stdout).not.toContain(first.id)
    const byHandle = json<View>(await run('show', hashId(first.id), '--json'))
    expect(byHandle.handle).toBe(hashId(first.id))
    const text = await run('show', hashId(first.id))
    expect(text.stdout).toContain('"cart": "a"')
  })

  it('show and revoke exit with 3 for an unknown or expired session', async () => {
    const expired = seeded[6] as Seeded
    // base64url handles and IDs may begin with '-' (one in 64): still a session, not an option.
    for (const ref of ['x'.repeat(43), `-${'x'.repeat(42)}`, expired.id, hashId(expired.id)]) {
      const shown = await run('show', ref)
      expect(shown.code).toBe(3)
      expect(shown.stderr).toContain('SESSIONKIT_NOT_FOUND')
    }
    expect((await run('revoke', 'no-such-session')).code).toBe(3)
    expect((await run('revoke', `-${'y'.repeat(42)}`, '--json')).code).toBe(3)
  })

  it('revoke ends one session: its cookie no longer loads', async () => {
    const [first, second] = alice as [Seeded, Seeded]
    const result = await run('revoke', hashId(first.id))
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`revoked session ${hashId(first.id)}`)
    expect(await loadThrough(url, first.cookie)).toBeNull()
    expect(await loadThrough(url, second.cookie)).not.toBeNull()
    const byId = json<{ revoked: string }>(await run('revoke', second.id, '--json'))
    expect(byId.revoked).toBe(hashId(second.id))
    expect(await loadThrough(url, second.cookie)).toBeNull()
  })

  it('revoke-user signs a user out everywhere but the session kept', async () => {
    const [first, second, third] = alice as [Seeded, Seeded, Seeded]
    const result = await run('revoke-user', 'user-1', '--except', second.id, '--json')
    expect(result.code).toBe(0)
    // The count includes user-1's expired session, which cleanup had not removed yet.
    expect(json(result)).toEqual({ userId: 'user-1', revoked: 3, kept: hashId(second.id) })
    expect(await loadThrough(url, first.cookie)).toBeNull()
    expect(await loadThrough(url, third.cookie)).toBeNull()
    expect(await loadThrough(url, second.cookie)).not.toBeNull()
    expect(await loadThrough(url, bob.cookie)).not.toBeNull()
    const all = await run('revoke-user', 'user-1')
    expect(all.stdout).toContain('revoked 1 session(s) of user user-1')
  })

  it('revoke-user revokes nothing when the session to keep is not the user’s', async () => {
    const result = await run('revoke-user', 'user-1', '--except', bob.id)
    expect(result.code).toBe(3)
    for (const session of alice) expect(await loadThrough(url, session.cookie)).not.toBeNull()
  })

  it('cleanup removes the expired sessions only', async () => {
    const result = await run('cleanup', '--json')
    expect(result.code).toBe(0)
    expect(json(result)).toEqual({ removed: 2 })
    expect(json<Stats>(await run('stats', '--json')).sessions).toBe(6)
    expect((await run('cleanup')).stdout).toContain('removed 0 expired session(s)')
  })
})
