import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../core/errors.js'
import { generateId, hashId } from '../core/ids.js'
import type { Store } from '../core/store.js'
import { FileStore } from './file.js'
import { MemoryStore } from './memory.js'
import { openStore, STORE_SCHEMES } from './open-store.js'
import { SqliteStore } from './sqlite.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-open-store-'))
const opened: Store[] = []

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  rmSync(root, { recursive: true, force: true })
})

function open(url: string): Store {
  const store = openStore(url)
  opened.push(store)
  return store
}

/** A path relative to the working directory, as `./…` URLs are written. */
function relativeUrlPath(path: string): string {
  return `./${relative(process.cwd(), path)}`
}

async function roundTrip(store: Store): Promise<void> {
  const now = Date.now()
  const key = hashId(generateId())
  await store.set(key, {
    data: { ok: true },
    userId: null,
    tenantId: null,
    ip: null,
    userAgent: null,
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
  })
  expect((await store.get(key, now))?.data).toEqual({ ok: true })
}

describe('openStore', () => {
  it('memory: builds a MemoryStore, with options from the query', async () => {
    const store = open('memory:')
    expect(store).toBeInstanceOf(MemoryStore)
    await roundTrip(store)
    expect(open('memory:?maxEntries=1000&sweepInterval=30s')).toBeInstanceOf(MemoryStore)
    expect(open('MEMORY:')).toBeInstanceOf(MemoryStore)
  })

  it('file: builds a FileStore from a relative or an absolute path', async () => {
    const relativeDir = join(root, 'file-relative')
    const store = open(`file:${relativeUrlPath(relativeDir)}`)
    expect(store).toBeInstanceOf(FileStore)
    await roundTrip(store)
    expect(existsSync(relativeDir)).toBe(true)

    const absoluteDir = join(root, 'file absolute')
    const absolute = open(
      `file://${absoluteDir.replaceAll(' ', '%20')}?lockTimeout=2s&fileMode=0600`,
    )
    expect(absolute).toBeInstanceOf(FileStore)
    await roundTrip(absolute)
    expect(existsSync(absoluteDir)).toBe(true)
  })

  it('sqlite: builds a SqliteStore from a relative path, an absolute path or :memory:', async () => {
    const relativeFile = join(root, 'sqlite-relative', 'sessions.db')
    const store = open(`sqlite:${relativeUrlPath(relativeFile)}?synchronous=FULL`)
    expect(store).toBeInstanceOf(SqliteStore)
    await roundTrip(store)
    expect(existsSync(relativeFile)).toBe(true)

    const absoluteFile = join(root, 'sqlite-absolute', 'sessions.db')
    const absolute = open(`sqlite://${absoluteFile}?busyTimeout=250&tablePrefix=app_`)
    expect(absolute).toBeInstanceOf(SqliteStore)
    await roundTrip(absolute)
    expect(existsSync(absoluteFile)).toBe(true)

    const memory = open('sqlite::memory:')
    expect(memory).toBeInstanceOf(SqliteStore)
    await roundTrip(memory)
  })

  it('accepts file://localhost/ as a local path', async () => {
    const dir = join(root, 'localhost-dir')
    const store = open(`file://localhost${dir}`)
    expect(store).toBeInstanceOf(FileStore)
    await roundTrip(store)
    expect(existsSync(dir)).toBe(true)
  })

  it.each([
    ['an empty string', ''],
    ['no scheme', './data/sessions.db'],
    ['an unknown scheme', 'mongodb://localhost/sessions'],
    ['a memory: URL with a path', 'memory:./x'],
    ['a file: URL without a path', 'file:'],
    ['a sqlite: URL without a path', 'sqlite:'],
    ['a sqlite: URL with a remote host', 'sqlite://example.com/sessions.db'],
    ['a fragment', 'sqlite:./x.db#part'],
    ['a malformed %-escape', 'file:./bad%zzdir'],
    ['an unknown query parameter', 'memory:?maxEntires=1000'],
    ['a repeated query parameter', 'memory:?maxEntries=1&maxEntries=2'],
    ['a non-integer maxEntries', 'memory:?maxEntries=lots'],
    ['a zero maxEntries', 'memory:?maxEntries=0'],
    ['a malformed duration', 'sqlite::memory:?busyTimeout=soon'],
    ['an unknown synchronous level', 'sqlite::memory:?synchronous=SOMETIMES'],
    ['a malformed tablePrefix', 'sqlite::memory:?tablePrefix=drop%20table'],
    ['a malformed file mode', `file:${root}/modes?fileMode=rw`],
    ['an option of another scheme', 'sqlite::memory:?maxEntries=5'],
  ])('rejects %s with InvalidConfigError', (_label, url) => {
    let caught: unknown
    try {
      open(url)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InvalidConfigError)
    expect(caught).toMatchObject({ code: 'SESSIONKIT_INVALID_CONFIG' })
  })

  it('rejects a value that is not a string', () => {
    expect(() => openStore(42 as unknown as string)).toThrow(InvalidConfigError)
  })

  it('names the supported schemes when the scheme is unknown, and never echoes the URL', () => {
    const url = 'mongodb://admin:hunter2@db.internal/sessions'
    let message = ''
    try {
      openStore(url)
    } catch (error) {
      expect(error).toMatchObject({ code: 'SESSIONKIT_INVALID_CONFIG', field: 'store' })
      message = (error as Error).message
    }
    for (const scheme of Object.keys(STORE_SCHEMES)) expect(message).toContain(`${scheme}:`)
    expect(message).not.toContain('hunter2')
  })
})
