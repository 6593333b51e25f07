/**
 * The file store's round trips done with node:fs directly, with none of the store's checks,
 * error mapping, in-process queue or lock take-over: read the record file for get; for patch
 * and touch take the lock file (a signed scratch file hard-linked to the lock's name), read
 * the record, make sure the user's index marker exists, write a temp file, fsync, rename over
 * the record, fsync the directory, then read and remove the lock.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { link, open, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JsonObject, SessionRecord } from '../../src/core/store.js'
import type { Fixture } from './fixture.js'
import type { Ops } from './types.js'

interface Envelope {
  v: number
  record: SessionRecord
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code
}

/** Raw operations on a directory laid out as FileStore lays it out. */
export function rawFileOps(
  root: string,
  fixture: Fixture,
  markerDir: (userId: string) => string,
): Ops {
  const sessions = join(root, 'sessions')
  const locks = join(root, 'locks')
  const sessionPath = (key: string): string => join(sessions, `${key}.json`)

  const read = async (key: string): Promise<SessionRecord | null> => {
    const envelope = JSON.parse(await readFile(sessionPath(key), 'utf8')) as Envelope
    return envelope.v === 1 && fixture.now < envelope.record.expiresAt ? envelope.record : null
  }

  const withLock = async <T>(key: string, body: () => Promise<T>): Promise<T> => {
    const lock = join(locks, `${key}.session.lock`)
    const nonce = randomBytes(8).toString('hex')
    const scratch = join(locks, `.${key}.session.lock.${nonce}.tmp`)
    await writeFile(scratch, JSON.stringify({ pid: process.pid, nonce }), { flag: 'wx' })
    try {
      await link(scratch, lock)
    } finally {
      await unlink(scratch)
    }
    try {
      return await body()
    } finally {
      const owner = JSON.parse(await readFile(lock, 'utf8')) as { nonce: string }
      if (owner.nonce === nonce) await unlink(lock)
    }
  }

  const write = async (key: string, record: SessionRecord): Promise<void> => {
    if (record.userId !== null) {
      try {
        await (await open(join(markerDir(record.userId), key), 'wx')).close()
      } catch (error) {
        if (!hasCode(error, 'EEXIST')) throw error
      }
    }
    const temp = join(sessions, `.${key}.json.${randomBytes(8).toString('hex')}.tmp`)
    const handle = await open(temp, 'wx', 0o600)
    await handle.writeFile(JSON.stringify({ v: 1, record }), 'utf8')
    await handle.sync()
    await handle.close()
    await rename(temp, sessionPath(key))
    await syncDir(sessions)
  }

  return {
    get: (i) => read(fixture.key(i)),
    patch: (i) => {
      const key = fixture.key(i)
      return withLock(key, async () => {
        const record = await read(key)
        if (record === null) return false
        const change = fixture.patch(i)
        const data: JsonObject = { ...record.data }
        for (const field of change.remove) delete data[field]
        Object.assign(data, change.set)
        const { updatedAt, lastSeenAt, expiresAt } = change
        await write(key, { ...record, data, updatedAt, lastSeenAt, expiresAt })
        return true
      })
    },
    touch: (i) => {
      const key = fixture.key(i)
      return withLock(key, async () => {
        const record = await read(key)
        if (record === null) return false
        await write(key, { ...record, ...fixture.times(i) })
        return true
      })
    },
  }
}
