/**
 * Creating a directory and its missing parents, one level at a time. Node's own
 * `mkdir(…, { recursive: true })` never settles (and spins the CPU) when a parent answers
 * ENOENT to mkdir, as under /proc; a bounded walk fails with that error instead.
 * @module
 */
import { mkdirSync, statSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

function missingAncestors(dir: string, exists: (path: string) => boolean): string[] {
  const missing: string[] = []
  let current = resolve(dir)
  while (!exists(current)) {
    missing.unshift(current)
    const parent = dirname(current)
    if (parent === current) break
    current = parent
  }
  return missing
}

function isEexist(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EEXIST'
}

/** Creates `dir` and its missing parents with `mode`; a no-op when it exists. */
export async function makeDirs(dir: string, mode?: number): Promise<void> {
  const missing: string[] = []
  let current = resolve(dir)
  for (;;) {
    try {
      await stat(current)
      break
    } catch {
      missing.unshift(current)
      const parent = dirname(current)
      if (parent === current) break
      current = parent
    }
  }
  for (const path of missing) {
    try {
      await mkdir(path, mode === undefined ? {} : { mode })
    } catch (error) {
      if (!isEexist(error)) throw error
    }
  }
}

/** The synchronous form of {@link makeDirs}. */
export function makeDirsSync(dir: string, mode?: number): void {
  const exists = (path: string) => {
    try {
      statSync(path)
      return true
    } catch {
      return false
    }
  }
  for (const path of missingAncestors(dir, exists)) {
    try {
      mkdirSync(path, mode === undefined ? {} : { mode })
    } catch (error) {
      if (!isEexist(error)) throw error
    }
  }
}
