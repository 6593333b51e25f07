import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { InvalidConfigError, StoreError, StoreUnavailableError } from '../core/errors.js'
import { generateId, hashId } from '../core/ids.js'
import type { SessionPatch, SessionRecord } from '../core/store.js'
import { testStore } from '../testing/index.js'
import { newOwner } from './file/lock-owner.js'
import { FileStore } from './file.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURES = join(REPO, 'test', 'fixtures')
const HOUR = 3_600_000

const tempDirs: string[] = []

/** A fresh empty parent directory; the store directory is created inside it by the store. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionkit-file-'))
  tempDirs.push(dir)
  return dir
}

/** A path for a store directory that does not exist yet, so the store creates it. */
async function storeDir(): Promise<string> {
  return join(await tempDir(), 'store')
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

function record(now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    data: { cart: ['sku-1'] },
    userId: null,
    tenantId: null,
    ip: '192.0.2.1',
    userAgent: 'file.test',
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + HOUR,
    ...overrides,
  }
}

function patchOf(now: number, set: SessionPatch['set'], remove: string[] = []): SessionPatch {
  return { set, remove, updatedAt: now, lastSeenAt: now, expiresAt: now + HOUR }
}

function userDirName(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url')
}

/** Every path under `dir`, directories included. */
async function walk(dir: string): Promise<{ path: string; isDir: boolean }[]> {
  const found: { path: string; isDir: boolean }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    found.push({ path, isDir: entry.isDirectory() })
    if (entry.isDirectory()) found.push(...(await walk(path)))
  }
  return found
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

async function makeOld(path: string): Promise<void> {
  const old = new Date(Date.now() - 10 * 60_000)
  await utimes(path, old, old)
}

// --- child processes ---

/** Collects a child's stdout as complete lines; a line cut off by a kill is never reported. */
class Lines {
  readonly lines: string[] = []
  #partial = ''
  readonly #waiters: { test: () => boolean; resolve: () => void }[] = []

  constructor(child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n')
      this.#partial = parts.pop() ?? ''
      this.lines.push(...parts)
      for (const waiter of [...this.#waiters]) {
        if (waiter.test()) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    })
  }

  waitFor(line: string): Promise<void> {
    return this.waitUntil((lines) => lines.includes(line))
  }

  waitUntil(test: (lines: readonly string[]) => boolean): Promise<void> {
    const check = () => test(this.lines)
    if (check()) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ test: check, resolve }))
  }
}

interface Child {
  process: ChildProcessWithoutNullStreams
  out: Lines
  stderr: () => string
  exit: Promise<[number | null, NodeJS.Signals | null]>
}

function spawnFixture(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exit = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
  return { process: child, out: new Lines(child), stderr: () => stderr, exit }
}

/** Waits for `waiting`, failing with the child's stderr if it exits first. */
async function unlessExited(child: Child, waiting: Promise<void>): Promise<void> {
  // The exit is only raced, never thrown from, so a child that exits later rejects nothing.
  const exited = child.exit.then(([code, signal]) => `${code ?? signal}`)
  const early = await Promise.race([waiting.then(() => null), exited])
  if (early !== null) throw new Error(`the child exited early (${early}): ${child.stderr()}`)
}

/** Waits for "ready" from every child, then tells them all to go at once. */
async function startTogether(children: Child[]): Promise<void> {
  await Promise.all(children.map((child) => unlessExited(child, child.out.waitFor('ready'))))
  for (const child of children) child.process.stdin.write('go\n')
}

// --- the contract ---

testStore('file', async () => new FileStore({ dir: await storeDir() }), { test: it, describe })

// --- what only a file store can get wrong ---

describe('FileStore', () => {
  describe('options', () => {
    it('needs a dir', () => {
      // @ts-expect-error: the missing option is the point
      expect(() => new FileStore({})).toThrow(InvalidConfigError)
      expect(() => new FileStore({ dir: '  ' })).toThrow(
        expect.objectContaining({ field: 'dir', code: 'SESSIONKIT_INVALID_CONFIG' }),
      )
    })

    it('refuses malformed durations and modes, naming the field', () => {
      const dir = join(tmpdir(), 'never-created')
      // @ts-expect-error: not a duration
      expect(() => new FileStore({ dir, lockTimeout: 'soon' })).toThrow(
        expect.objectContaining({ field: 'lockTimeout' }),
      )
      expect(() => new FileStore({ dir, staleLockAfter: 0 })).toThrow(
        expect.objectContaining({ field: 'staleLockAfter' }),
      )
      expect(() => new FileStore({ dir, fileMode: 0o400 })).toThrow(
        expect.objectContaining({ field: 'fileMode' }),
      )
      expect(() => new FileStore({ dir, dirMode: 0o1777 })).toThrow(
        expect.objectContaining({ field: 'dirMode' }),
      )
    })

    it('touches no file until the first operation', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      expect(await exists(dir)).toBe(false)
      expect(store.dir).toBe(dir)
      await store.get(hashId(generateId()), Date.now())
      expect(await exists(join(dir, 'sessions'))).toBe(true)
      await store.close()
    })
  })

  describe('on disk', () => {
    it('never writes a raw session ID or token, in any file name or content', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const rawIds = Array.from({ length: 6 }, () => generateId())
      const rawTokens = Array.from({ length: 3 }, () => generateId())
      const userId = 'user-42'
      for (const [i, id] of rawIds.entries()) {
        await store.set(hashId(id), record(now, { userId: i % 2 ? userId : null, data: { i } }))
      }
      await store.patch(hashId(rawIds[0] as string), patchOf(now, { seen: true }), now)
      await store.touch(
        hashId(rawIds[1] as string),
        { lastSeenAt: now, expiresAt: now + HOUR },
        now,
      )
      await store.destroy(hashId(rawIds[2] as string))
      for (const token of rawTokens) {
        await store.putToken(hashId(token), { value: { returnTo: '/' }, expiresAt: now + HOUR })
      }
      await store.consumeToken(hashId(rawTokens[0] as string), now)
      expect(await store.listByUser(userId, now)).toHaveLength(3)
      await store.close()

      const secrets = [...rawIds, ...rawTokens]
      const entries = await walk(dir)
      expect(entries.some(({ path }) => path.includes(hashId(rawIds[0] as string)))).toBe(true)
      for (const { path, isDir } of entries) {
        expect(path.includes(userId), `a user ID in ${path}`).toBe(false)
        for (const secret of secrets) {
          expect(path.includes(secret), `a raw ID in the name ${path}`).toBe(false)
          if (!isDir) {
            const contents = await readFile(path, 'utf8')
            expect(contents.includes(secret), `a raw ID inside ${path}`).toBe(false)
          }
        }
      }
    })

    it('creates files 0600 and directories 0700', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now, { userId: 'user-1' }))
      await store.patch(key, patchOf(now, { a: 1 }), now)
      await store.putToken(hashId(generateId()), { value: 1, expiresAt: now + HOUR })
      await store.close()

      expect((await stat(dir)).mode & 0o777).toBe(0o700)
      const entries = await walk(dir)
      expect(entries.filter((entry) => !entry.isDir).length).toBeGreaterThanOrEqual(3)
      for (const { path, isDir } of entries) {
        expect((await stat(path)).mode & 0o777, path).toBe(isDir ? 0o700 : 0o600)
      }
    })

    it('lays out sessions, tokens and the user index as documented', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      const tokenKey = hashId(generateId())
      await store.set(key, record(now, { userId: 'user/../1' }))
      await store.putToken(tokenKey, { value: 'v', expiresAt: now + HOUR })
      await store.close()
      const onDisk = JSON.parse(await readFile(join(dir, 'sessions', `${key}.json`), 'utf8'))
      expect(onDisk.record.userId).toBe('user/../1')
      expect(await exists(join(dir, 'tokens', `${tokenKey}.json`))).toBe(true)
      expect(await readdir(join(dir, 'users', userDirName('user/../1')))).toEqual([key])
      expect(await readdir(join(dir, 'locks'))).toEqual([])
    })
  })

  describe('keys', () => {
    it('never turns a key into a path outside the directory', async () => {
      const parent = await tempDir()
      const dir = join(parent, 'store')
      const store = new FileStore({ dir })
      const now = Date.now()
      await writeFile(join(parent, 'outside.json'), JSON.stringify({ v: 1, record: record(now) }))
      for (const key of ['../outside', '../../outside', '/etc/passwd', 'a/b', '.', '..']) {
        expect(await store.get(key, now)).toBeNull()
        await expect(store.set(key, record(now))).rejects.toMatchObject({
          code: 'SESSIONKIT_INVALID_STORE_KEY',
        })
        expect(await store.patch(key, patchOf(now, { x: 1 }), now)).toBe(false)
        expect(await store.consumeToken(key, now)).toBeNull()
        await store.destroy(key)
      }
      await store.get(hashId(generateId()), now)
      expect(await exists(join(parent, 'outside.json'))).toBe(true)
      expect((await readdir(parent)).sort()).toEqual(['outside.json', 'store'])
      await store.close()
    })
  })

  describe('unreadable files', () => {
    it('reads a corrupt file as missing, logs nothing, and lets set replace it', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now, { userId: 'user-1' }))
      const path = join(dir, 'sessions', `${key}.json`)
      const log = vi.spyOn(console, 'error')
      const warn = vi.spyOn(console, 'warn')
      for (const garbage of ['', '{"v":1,"record":{"data":', 'null', '{"v":1,"record":{}}']) {
        await writeFile(path, garbage)
        expect(await store.get(key, now)).toBeNull()
        expect(await store.patch(key, patchOf(now, { a: 1 }), now)).toBe(false)
        expect(await store.touch(key, { lastSeenAt: now, expiresAt: now + HOUR }, now)).toBe(false)
        expect(await store.listByUser('user-1', now)).toEqual([])
      }
      expect(log).not.toHaveBeenCalled()
      expect(warn).not.toHaveBeenCalled()
      log.mockRestore()
      warn.mockRestore()
      await store.set(key, record(now))
      expect(await store.get(key, now)).toEqual(record(now))
      await store.close()
    })

    it('cleanup removes corrupt files but leaves files of another format version', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const corrupt = hashId(generateId())
      const foreign = hashId(generateId())
      await store.get(corrupt, now)
      await writeFile(join(dir, 'sessions', `${corrupt}.json`), '{"v":1,')
      await writeFile(join(dir, 'sessions', `${foreign}.json`), '{"v":2,"anything":true}')
      expect(await store.cleanup(now)).toBe(0)
      expect(await exists(join(dir, 'sessions', `${corrupt}.json`))).toBe(false)
      expect(await exists(join(dir, 'sessions', `${foreign}.json`))).toBe(true)
      expect(await store.get(foreign, now)).toBeNull()
      await store.close()
    })

    it('ignores stray temp files, and cleanup removes them once old', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, staleLockAfter: '1s' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const old = join(dir, 'sessions', `.${key}.json.0123456789abcdef.tmp`)
      const fresh = join(dir, 'sessions', `.${key}.json.fedcba9876543210.tmp`)
      const claimed = join(dir, 'tokens', `.${key}.0123456789abcdef.consumed`)
      await writeFile(old, '{"v":1,"rec')
      await writeFile(fresh, '{"v":1,"rec')
      await writeFile(claimed, '{"v":1,"token":{"value":1,"expiresAt":0}}')
      await makeOld(old)
      await makeOld(claimed)
      const listed = []
      for await (const entry of store.entries(now)) listed.push(entry.key)
      expect(listed).toEqual([key])
      expect(await store.get(key, now)).toEqual(record(now))
      expect(await store.cleanup(now)).toBe(0)
      expect(await exists(old)).toBe(false)
      expect(await exists(claimed)).toBe(false)
      expect(await exists(fresh), 'a temp file that young may be a write in flight').toBe(true)
      await store.close()
    })
  })

  describe('user index', () => {
    it('never trusts the index alone, and prunes entries that point nowhere', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const mine = hashId(generateId())
      const theirs = hashId(generateId())
      const gone = hashId(generateId())
      await store.set(mine, record(now, { userId: 'alice' }))
      await store.set(theirs, record(now, { userId: 'bob' }))
      // Forged or left-over markers: bob's session and a session that does not exist.
      const aliceDir = join(dir, 'users', userDirName('alice'))
      await writeFile(join(aliceDir, theirs), '')
      await writeFile(join(aliceDir, gone), '')

      expect((await store.listByUser('alice', now)).map((entry) => entry.key)).toEqual([mine])
      expect((await readdir(aliceDir)).sort()).toEqual([mine])

      await writeFile(join(aliceDir, theirs), '')
      expect(await store.destroyByUser('alice')).toBe(1)
      expect(await store.get(theirs, now)).not.toBeNull()
      expect(await store.get(mine, now)).toBeNull()
      await store.close()
    })

    it('cleanup removes expired sessions with their index entries, and empty user dirs', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const expired = hashId(generateId())
      const live = hashId(generateId())
      const liveToken = hashId(generateId())
      const deadToken = hashId(generateId())
      await store.set(expired, record(now, { userId: 'carol', expiresAt: now + 10 }))
      await store.set(live, record(now, { userId: 'dave' }))
      await store.putToken(liveToken, { value: 'live', expiresAt: now + HOUR })
      await store.putToken(deadToken, { value: 'dead', expiresAt: now + 10 })
      await writeFile(join(dir, 'users', userDirName('dave'), hashId(generateId())), '')

      expect(await store.cleanup(now + 10)).toBe(1)
      expect(await exists(join(dir, 'sessions', `${expired}.json`))).toBe(false)
      expect(await exists(join(dir, 'users', userDirName('carol')))).toBe(false)
      expect(await readdir(join(dir, 'users', userDirName('dave')))).toEqual([live])
      expect(await readdir(join(dir, 'tokens'))).toEqual([`${liveToken}.json`])
      expect(await store.consumeToken(liveToken, now)).toBe('live')
      await store.close()
    })

    it('cleanup restores a missing index entry of a live session', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now, { userId: 'erin' }))
      await unlink(join(dir, 'users', userDirName('erin'), key))
      expect(await store.listByUser('erin', now)).toEqual([])
      await store.cleanup(now)
      expect((await store.listByUser('erin', now)).map((entry) => entry.key)).toEqual([key])
      await store.close()
    })
  })

  describe('locks', () => {
    it('takes over a lock left by a crashed process', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, staleLockAfter: '1m', lockTimeout: '10s' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const lock = join(dir, 'locks', `${key}.session.lock`)
      await writeFile(lock, '999999@crashed-host\n')
      await makeOld(lock)

      const started = performance.now()
      expect(await store.patch(key, patchOf(now, { after: 'crash' }), now)).toBe(true)
      // Taken over at once, not after waiting out lockTimeout (generous for a loaded machine).
      expect(performance.now() - started).toBeLessThan(5000)
      expect((await store.get(key, now))?.data.after).toBe('crash')
      expect(await exists(lock)).toBe(false)
      await store.close()
    })

    it('takes over at once a lock whose holder, a process of this machine, is dead', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, staleLockAfter: '1m', lockTimeout: '10s' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const child = spawn(process.execPath, ['-e', ''])
      await once(child, 'exit')
      const lock = join(dir, 'locks', `${key}.session.lock`)
      await writeFile(lock, JSON.stringify({ ...newOwner(), pid: child.pid }))

      const started = performance.now()
      expect(await store.patch(key, patchOf(now, { after: 'crash' }), now)).toBe(true)
      expect(performance.now() - started).toBeLessThan(5000)
      expect(await exists(lock)).toBe(false)
      await store.close()
    })

    it('leaves a fresh lock of a live process alone', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, staleLockAfter: '1m', lockTimeout: '150ms' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const lock = join(dir, 'locks', `${key}.session.lock`)
      // The test runner's parent: alive for as long as this test runs.
      const live = JSON.stringify({ ...newOwner(), pid: process.ppid })
      await writeFile(lock, live)
      await expect(store.patch(key, patchOf(now, { a: 1 }), now)).rejects.toBeInstanceOf(StoreError)
      expect(await store.cleanup(now)).toBe(0)
      expect(await readFile(lock, 'utf8')).toBe(live)
      await store.close()
    })

    it('waits for a held lock and takes it over once it turns stale', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, staleLockAfter: '1500ms', lockTimeout: '5s' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      await writeFile(join(dir, 'locks', `${key}.session.lock`), 'another process\n')

      const started = performance.now()
      expect(await store.patch(key, patchOf(now, { a: 1 }), now)).toBe(true)
      const waited = performance.now() - started
      // Even with mtimes kept to the second, the lock cannot look stale in under 500 ms.
      expect(waited).toBeGreaterThanOrEqual(500)
      expect(waited).toBeLessThan(4000)
      await store.close()
    })

    it('fails with StoreError after lockTimeout and changes nothing', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir, lockTimeout: '150ms', staleLockAfter: '1m' })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const lock = join(dir, 'locks', `${key}.session.lock`)
      await writeFile(lock, 'another process\n')

      const failure = store.patch(key, patchOf(now, { lost: true }), now)
      await expect(failure).rejects.toBeInstanceOf(StoreError)
      await expect(failure).rejects.toMatchObject({ code: 'SESSIONKIT_STORE_ERROR', store: 'file' })
      await expect(store.destroy(key)).rejects.toBeInstanceOf(StoreError)
      expect(await store.get(key, now)).toEqual(record(now))

      await unlink(lock)
      expect(await store.patch(key, patchOf(now, { lost: false }), now)).toBe(true)
      await store.close()
    })

    it('queues 200 concurrent patches in memory and leaves no lock behind', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now, { data: {} }))
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.patch(key, patchOf(now, { [`k${i}`]: i }), now),
        ),
      )
      expect(results.every(Boolean)).toBe(true)
      expect(Object.keys((await store.get(key, now))?.data ?? {})).toHaveLength(200)
      expect(await readdir(join(dir, 'locks'))).toEqual([])
      expect((await readdir(join(dir, 'sessions'))).filter((name) => name.startsWith('.'))).toEqual(
        [],
      )
      await store.close()
    })
  })

  describe('failures', () => {
    it('turns filesystem errors into StoreError with the cause, and recovers', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.get(key, now)
      // A directory where the session file should be: the read fails with EISDIR.
      await mkdir(join(dir, 'sessions', `${key}.json`))
      const read = store.get(key, now)
      await expect(read).rejects.toBeInstanceOf(StoreError)
      await expect(read).rejects.toMatchObject({ cause: { code: 'EISDIR' } })
      await expect(store.set(key, record(now))).rejects.toBeInstanceOf(StoreError)

      await rm(join(dir, 'sessions', `${key}.json`), { recursive: true })
      await store.set(key, record(now))
      expect(await store.get(key, now)).toEqual(record(now))
      await store.close()
    })

    it('fails closed when the directory cannot be created', async () => {
      const parent = await tempDir()
      await writeFile(join(parent, 'store'), 'a file, not a directory')
      const store = new FileStore({ dir: join(parent, 'store') })
      const now = Date.now()
      await expect(store.get(hashId(generateId()), now)).rejects.toBeInstanceOf(StoreError)
      await expect(store.set(hashId(generateId()), record(now))).rejects.toMatchObject({
        code: 'SESSIONKIT_STORE_ERROR',
      })
      // Once the obstacle is gone the same store works: the failed start is retried.
      await unlink(join(parent, 'store'))
      const key = hashId(generateId())
      await store.set(key, record(now))
      expect(await store.get(key, now)).toEqual(record(now))
      await store.close()
    })

    it('recreates its directories when they are removed while it is open', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      await store.set(hashId(generateId()), record(now, { userId: 'frank' }))
      await rm(dir, { recursive: true })
      const key = hashId(generateId())
      await store.set(key, record(now, { userId: 'frank' }))
      expect(await store.get(key, now)).toEqual(record(now, { userId: 'frank' }))
      await store.putToken(key, { value: 1, expiresAt: now + HOUR })
      expect(await store.consumeToken(key, now)).toBe(1)
      await store.close()
    })

    it.skipIf(process.getuid?.() === 0)(
      'reports a permission error as StoreError with EACCES',
      async () => {
        const dir = await storeDir()
        const store = new FileStore({ dir })
        const now = Date.now()
        const key = hashId(generateId())
        await store.set(key, record(now))
        const { chmod } = await import('node:fs/promises')
        await chmod(join(dir, 'sessions'), 0o500)
        try {
          await expect(store.set(key, record(now))).rejects.toMatchObject({
            code: 'SESSIONKIT_STORE_ERROR',
            cause: { code: 'EACCES' },
          })
        } finally {
          await chmod(join(dir, 'sessions'), 0o700)
        }
        await store.close()
      },
    )
  })

  describe('close', () => {
    it('waits for operations in flight, is idempotent, and refuses new operations', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now))
      const pending = store.patch(key, patchOf(now, { late: true }), now)
      const closing = store.close()
      expect(store.close()).toBe(closing)
      await closing
      expect(await pending).toBe(true)
      await store[Symbol.asyncDispose]()
      await expect(store.get(key, now)).rejects.toBeInstanceOf(StoreUnavailableError)

      const reopened = new FileStore({ dir })
      expect((await reopened.get(key, now))?.data.late).toBe(true)
      await reopened.close()
    })
  })

  describe('across processes', () => {
    it('keeps every key when 4 processes patch one session 50 times each, concurrently', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const key = hashId(generateId())
      await store.set(key, record(now, { data: { base: true } }))

      const workers = Array.from({ length: 4 }, (_, worker) =>
        spawnFixture('file-patch-worker.ts', [dir, key, String(worker), '50']),
      )
      await startTogether(workers)
      for (const worker of workers) {
        const [code] = await worker.exit
        expect(code, worker.stderr()).toBe(0)
      }

      const data = (await store.get(key, Date.now()))?.data ?? {}
      expect(data.base).toBe(true)
      for (let worker = 0; worker < 4; worker++) {
        for (let i = 0; i < 50; i++) expect(data[`w${worker}-${i}`], `w${worker}-${i}`).toBe(i)
      }
      expect(Object.keys(data)).toHaveLength(201)
      expect(await readdir(join(dir, 'locks'))).toEqual([])
      await store.close()
    })

    it('gives each token to exactly one of several processes', async () => {
      const dir = await storeDir()
      const store = new FileStore({ dir })
      const now = Date.now()
      const keys = Array.from({ length: 30 }, () => hashId(generateId()))
      for (const [i, key] of keys.entries()) {
        await store.putToken(key, { value: i, expiresAt: now + HOUR })
      }
      const consumers = Array.from({ length: 3 }, () =>
        spawnFixture('file-token-consumer.ts', [dir, ...keys]),
      )
      await startTogether(consumers)
      const won: number[] = []
      for (const consumer of consumers) {
        const [code] = await consumer.exit
        expect(code, consumer.stderr()).toBe(0)
        const last = consumer.out.lines.at(-1) ?? '[]'
        won.push(...(JSON.parse(last) as number[]))
      }
      expect(won.sort((a, b) => a - b)).toEqual(keys.map((_, i) => i))
      expect(await readdir(join(dir, 'tokens'))).toEqual([])
      await store.close()
    })

    it('loses no acknowledged write when the writer is killed with SIGKILL', async () => {
      const dir = await storeDir()
      const setup = new FileStore({ dir })
      const now = Date.now()
      const shared = hashId(generateId())
      await setup.set(shared, record(now, { data: {} }))
      await setup.close()

      const writer = spawnFixture('file-writer.ts', [dir, shared])
      await unlessExited(writer, writer.out.waitFor('ready'))
      await sleep(500)
      // On a loaded machine (fsync can take tens of ms) wait until there is something to check.
      const count = (lines: readonly string[], prefix: string) =>
        lines.filter((line) => line.startsWith(prefix)).length
      await unlessExited(
        writer,
        writer.out.waitUntil((lines) => count(lines, 'set ') >= 10 && count(lines, 'patch ') >= 3),
      )
      writer.process.kill('SIGKILL')
      const [, signal] = await writer.exit
      expect(signal, writer.stderr()).toBe('SIGKILL')

      const acked = writer.out.lines.filter((line) => line !== 'ready')
      const sets = acked.filter((line) => line.startsWith('set ')).map((line) => line.slice(4))
      const patches = acked.filter((line) => line.startsWith('patch ')).map((line) => line.slice(6))
      expect(sets.length).toBeGreaterThanOrEqual(10)
      expect(patches.length).toBeGreaterThanOrEqual(3)

      // Default options: a lock the writer held when it died is taken over at once, because
      // its holder is a process of this machine that no longer exists.
      const store = new FileStore({ dir })
      const later = Date.now()
      for (const key of sets) {
        const found = await store.get(key, later)
        expect(found, `acknowledged session ${key}`).not.toBeNull()
        expect(found?.userAgent).toBe('file-writer')
      }
      const sharedData = (await store.get(shared, later))?.data ?? {}
      for (const name of patches) expect(sharedData[name], `acknowledged patch ${name}`).toBe(true)

      // Every file that is there reads whole: the kill left old or new, never half.
      for (const name of await readdir(join(dir, 'sessions'))) {
        if (name.startsWith('.')) continue
        expect(await store.get(name.replace(/\.json$/, ''), later), name).not.toBeNull()
      }

      // And the store carries on: writes, patches of the shared session, by-user listing.
      expect(await store.patch(shared, patchOf(later, { after: true }), later)).toBe(true)
      const fresh = hashId(generateId())
      await store.set(fresh, record(later, { userId: 'user-0' }))
      expect((await store.listByUser('user-0', later)).map((entry) => entry.key)).toContain(fresh)

      await store.close()

      // Scratch files the kill left behind are removed by a cleanup once older than
      // staleLockAfter; the dead writer's locks at once.
      await sleep(400)
      const cleaner = new FileStore({ dir, staleLockAfter: '300ms' })
      expect(await cleaner.cleanup(later)).toBe(0)
      const leftovers = (await walk(dir)).filter(({ path }) => /[/\\]\.[^/\\]*$/.test(path))
      expect(leftovers).toEqual([])
      expect(await readdir(join(dir, 'locks'))).toEqual([])
      await cleaner.close()
    })
  })
})
