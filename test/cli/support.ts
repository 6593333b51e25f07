/**
 * Running the real `sessionkit` executable (bin/sessionkit.js, the launcher users run) in a
 * child process, and seeding stores through a real SessionManager.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Duration, ManualClock, openStore, SessionManager } from '../../src/index.js'

export const BIN = fileURLToPath(new URL('../../bin/sessionkit.js', import.meta.url))

/** A secret the key ring accepts; the CLI tests share it with their managers. */
export const SECRET = 'tQ3vZb8Yk1xWm4Hs7Lp0Rd2Nf5Gj9Ec6Ua_Vo-Ti8Ky'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The parent's environment without any SESSIONKIT_* variable, so a developer's shell cannot leak in. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('SESSIONKIT_')) env[name] = value
  }
  return { ...env, ...extra }
}

/** Runs `sessionkit <args>` and resolves with its exit code and output; never rejects. */
export function sessionkit(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd ?? tmpdir(),
        env: cleanEnv(options.env ?? {}),
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Parses stdout as JSON, failing with the whole output when it is not. */
export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}

/** A new temporary directory. */
export function tempDir(prefix = 'sessionkit-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** One session to seed. */
export interface SeedSpec {
  userId?: string
  data?: Record<string, string | number>
  lifetime?: Duration
  /** Written as if `ago` milliseconds ago (so a short lifetime makes it expired). */
  ago?: number
  ip?: string
  userAgent?: string
}

/** A seeded session: its raw ID, the Cookie header that carries it, and its store key. */
export interface Seeded {
  id: string
  cookie: string
  userId: string | null
}

/**
 * Writes sessions through a real SessionManager (so records are exactly what an application
 * writes) and returns their IDs and cookies. Each spec gets its own manager, for its lifetime
 * and clock.
 */
export async function seed(url: string, specs: readonly SeedSpec[]): Promise<Seeded[]> {
  const seeded: Seeded[] = []
  for (const spec of specs) {
    const clock = new ManualClock(Date.now() - (spec.ago ?? 0))
    const sessions = new SessionManager({
      store: openStore(url),
      secrets: [SECRET],
      lifetime: spec.lifetime ?? '24h',
      cleanupInterval: null,
      clock,
    })
    try {
      const session = await sessions.load({
        ip: spec.ip ?? '203.0.113.7',
        userAgent: spec.userAgent ?? 'Mozilla/5.0 (seed)',
      })
      for (const [key, value] of Object.entries(spec.data ?? { seeded: 1 })) session.set(key, value)
      if (spec.userId !== undefined) await session.login(spec.userId)
      const [setCookie] = await sessions.commit(session)
      if (setCookie === undefined) throw new Error('the seeded session set no cookie')
      seeded.push({
        id: session.id,
        cookie: setCookie.split(';')[0] ?? '',
        userId: spec.userId ?? null,
      })
    } finally {
      await sessions.close()
    }
  }
  return seeded
}

/** Loads the session a cookie carries through a fresh manager on `url`; the data, or null when it is gone. */
export async function loadThrough(
  url: string,
  cookie: string,
): Promise<Record<string, unknown> | null> {
  const sessions = new SessionManager({
    store: openStore(url),
    secrets: [SECRET],
    cleanupInterval: null,
  })
  try {
    const session = await sessions.load(cookie)
    return session.isNew ? null : Object.fromEntries(session.entries())
  } finally {
    await sessions.close()
  }
}
