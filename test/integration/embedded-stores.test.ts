/**
 * The foundation's promises, checked through the public core API on every embedded store:
 * no lost updates, tampered cookies give fresh sessions, no raw ID at rest, and a SIGKILL
 * loses no acknowledged write.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSetCookie } from 'cookie'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore, SessionManager } from '../../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-embedded-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let counter = 0
const PERSISTENT: Array<{ name: string; url: () => string; dir: (url: string) => string }> = [
  {
    name: 'file',
    url: () => `file:${join(root, `files-${counter++}`)}`,
    dir: (url) => url.slice('file:'.length),
  },
  {
    name: 'sqlite',
    url: () => `sqlite:${join(root, `db-${counter++}`, 'sessions.db')}`,
    dir: (url) => join(url.slice('sqlite:'.length), '..'),
  },
]
const STORES = [{ name: 'memory', url: () => 'memory:' }, ...PERSISTENT]

function cookiePair(setCookie: string[]): string {
  const parsed = parseSetCookie(setCookie.at(-1) ?? '')
  return `${parsed.name}=${parsed.value}`
}

function manager(url: string, secret = randomBytes(32).toString('base64url')) {
  return new SessionManager({ store: openStore(url), secrets: [secret], cookie: { secure: false } })
}

/** Every file under `dir`, recursively, as raw bytes. */
function everyFile(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...everyFile(path))
    else out.push({ path, bytes: readFileSync(path) })
  }
  return out
}

describe.each(STORES)('core API on the $name store', ({ url: makeUrl }) => {
  it('keeps all 200 keys after 200 concurrent load / set / commit cycles on one session', async () => {
    const sessions = manager(makeUrl())
    try {
      const first = await sessions.load(undefined)
      first.set('owner', 'test')
      const cookie = cookiePair(await sessions.commit(first))
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const session = await sessions.load(cookie)
          session.set(`key-${i}`, i)
          await sessions.commit(session)
        }),
      )
      const final = await sessions.load(cookie)
      expect(final.isNew).toBe(false)
      const keys = final.keys()
      expect(keys).toHaveLength(201)
      for (let i = 0; i < 200; i++) expect(final.get(`key-${i}`)).toBe(i)
    } finally {
      await sessions.close()
    }
  })

  it('loads a cookie with one character changed as a fresh empty session', async () => {
    const sessions = manager(makeUrl())
    try {
      const session = await sessions.load(undefined)
      session.set('secret', 'mine')
      const cookie = cookiePair(await sessions.commit(session))
      const eq = cookie.indexOf('=') + 1
      for (let i = eq; i < cookie.length; i++) {
        const swapped = cookie[i] === 'x' ? 'y' : 'x'
        const tampered = `${cookie.slice(0, i)}${swapped}${cookie.slice(i + 1)}`
        const loaded = await sessions.load(tampered)
        expect(loaded.isNew, `position ${i}`).toBe(true)
        expect(loaded.keys()).toEqual([])
        expect(loaded.id).not.toBe(session.id)
      }
      expect((await sessions.load(cookie)).get('secret')).toBe('mine')
    } finally {
      await sessions.close()
    }
  })
})

describe.each(PERSISTENT)('core API on the persistent $name store', ({ url: makeUrl, dir }) => {
  it('keeps no raw session ID or cookie value anywhere at rest', async () => {
    const url = makeUrl()
    const sessions = manager(url)
    const secrets: string[] = []
    try {
      for (let i = 0; i < 30; i++) {
        const session = await sessions.load({ userAgent: 'test', ip: '192.0.2.7' })
        session.set('i', i)
        if (i % 3 === 0) await session.login(`user-${i % 2}`)
        const cookie = cookiePair(await sessions.commit(session))
        secrets.push(session.id, cookie.slice(cookie.indexOf('=') + 1))
      }
      const files = everyFile(dir(url))
      expect(files.length).toBeGreaterThan(0)
      for (const { path, bytes } of files) {
        for (const secret of secrets) {
          expect(path.includes(secret), path).toBe(false)
          expect(bytes.includes(secret), path).toBe(false)
        }
      }
    } finally {
      await sessions.close()
    }
  })

  it('loses no acknowledged write when the writer is killed with SIGKILL', async () => {
    const url = makeUrl()
    const secret = randomBytes(32).toString('base64url')
    const setup = manager(url, secret)
    const shared = await setup.load(undefined)
    shared.set('shared', true)
    const sharedCookie = cookiePair(await setup.commit(shared))
    await setup.close()

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/manager-writer.ts', url, secret, sharedCookie],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let errors = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    // Let it write for a while (tsx start-up included), then kill it mid-flight.
    const deadline = Date.now() + 15_000
    while (out.split('\n').length < 200 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const lines = out.split('\n').filter((line) => line.endsWith('\n') || line.length > 0)
    // The last line may be cut mid-write by the kill; only complete lines were acknowledged.
    const complete = out.endsWith('\n') ? lines : lines.slice(0, -1)
    expect(complete.length, errors).toBeGreaterThan(50)

    const reopened = manager(url, secret)
    try {
      const sharedNow = await reopened.load(sharedCookie)
      expect(sharedNow.isNew).toBe(false)
      for (const line of complete) {
        const [kind, a, b] = line.split(' ')
        if (kind === 'new') {
          const loaded = await reopened.load(a)
          expect(loaded.isNew, line).toBe(false)
          expect(loaded.get('n')).toBe(Number(b))
        } else {
          expect(sharedNow.has(a as string), line).toBe(true)
        }
      }
      // And the store still works normally.
      sharedNow.set('after', 'kill')
      await reopened.commit(sharedNow)
      expect((await reopened.load(sharedCookie)).get('after')).toBe('kill')
    } finally {
      await reopened.close()
    }
  })
})
