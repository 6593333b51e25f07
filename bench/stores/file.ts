/**
 * Files: sessionkit's FileStore beside the same file-system round trips done with node:fs
 * directly (see file-raw.ts). Every write is fsynced, file and directory, in both. No peer.
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SessionRecord } from '../../src/core/store.js'
import { FileStore } from '../../src/stores/file.js'
import { rawFileOps } from './file-raw.js'
import type { Opened, StoreTarget } from './types.js'

/** The store's user index directory: SHA-256 of the user ID, base64url. */
function markerDir(root: string): (userId: string) => string {
  return (userId) => join(root, 'users', createHash('sha256').update(userId).digest('base64url'))
}

export const fileTarget: StoreTarget = {
  name: 'file',
  async open(fixture): Promise<Opened> {
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-file-'))
    const store = new FileStore({ dir })
    for (const [index, key] of fixture.keys.entries()) {
      await store.set(key, fixture.records[index] as SessionRecord)
    }
    return {
      sessionkit: {
        get: (i) => store.get(fixture.key(i), fixture.now),
        patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
        touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
      },
      raw: rawFileOps(dir, fixture, markerDir(dir)),
      rawName: 'node:fs, same syscalls',
      peer: null,
      cleanup: async () => {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}
