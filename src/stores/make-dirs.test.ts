import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateId, hashId } from '../core/ids.js'
import { FileStore } from './file.js'
import { makeDirs, makeDirsSync } from './make-dirs.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-dirs-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('makeDirs', () => {
  it('creates missing parents with the mode, and is a no-op when the directory exists', async () => {
    const dir = join(root, 'a', 'b', 'c')
    await makeDirs(dir, 0o700)
    expect(statSync(dir).isDirectory()).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    await makeDirs(dir, 0o700)
    makeDirsSync(join(root, 'x', 'y'))
    expect(statSync(join(root, 'x', 'y')).isDirectory()).toBe(true)
  })

  // Node's recursive mkdir never settles here; ours must fail instead.
  it.runIf(process.platform === 'linux')(
    'fails instead of hanging where mkdir answers ENOENT',
    async () => {
      await expect(makeDirs('/proc/sessionkit/x')).rejects.toMatchObject({ code: 'ENOENT' })
      expect(() => makeDirsSync('/proc/sessionkit/x')).toThrow()
      const store = new FileStore({ dir: '/proc/sessionkit/sessions' })
      const now = Date.now()
      const write = store.set(hashId(generateId()), {
        data: {},
        userId: null,
        tenantId: null,
        ip: null,
        userAgent: null,
        createdAt: now,
        updatedAt: now,
        lastSeenAt: now,
        expiresAt: now + 1000,
      })
      await expect(write).rejects.toMatchObject({ code: expect.stringMatching(/^SESSIONKIT_/) })
      await store.close()
    },
  )
})
