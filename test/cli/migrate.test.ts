/**
 * `sessionkit migrate` between embedded stores, through the real executable: the count that
 * stats reports survives, and every session still loads with its old cookie afterwards.
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { BIN, json, loadThrough, seed, sessionkit, tempDir } from './support.js'

// Each test starts the CLI in child processes; a loaded CI machine needs more than the default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0

const root = tempDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Summary {
  migrated: number
  dryRun: boolean
  skipped: { expired: number; unreadable: number; noExpiry: number }
  check: { live: number; expiredSince: number; missing: number } | null
  ok: boolean
}

let counter = 0
function project(): string {
  const dir = join(root, `project-${counter++}`)
  mkdirSync(dir)
  return dir
}

describe('sessionkit migrate', () => {
  it("moves the demo's SQLite sessions to a file store, keeping the count stats reports and every cookie", async () => {
    const cwd = project()
    // The demo's layout: sqlite:./data/sessions.db, relative to the working directory.
    const from = 'sqlite:./data/sessions.db'
    const to = 'file:./data/sessions'
    const seeded = await seed(`sqlite:${join(cwd, 'data/sessions.db')}`, [
      { userId: 'user-1', data: { cart: 'sku-1' } },
      { userId: 'user-1', lifetime: '3d' },
      { userId: 'user-2', lifetime: '30m' },
      { data: { theme: 'dark' } },
      { lifetime: '1h', ago: 2 * 3_600_000 },
    ])
    const before = json<{ sessions: number }>(
      await sessionkit(['--store', from, 'stats', '--json'], { cwd }),
    )
    expect(before.sessions).toBe(4)

    const result = await sessionkit(['migrate', '--from', from, '--to', to, '--json'], { cwd })
    expect(result.code).toBe(0)
    const summary = json<Summary>(result)
    expect(summary).toMatchObject({
      migrated: 4,
      ok: true,
      check: { live: 4, missing: 0 },
      skipped: { unreadable: 0, noExpiry: 0 },
    })

    const after = await sessionkit(['--store', to, 'stats', '--json'], { cwd })
    expect(json(after)).toEqual(before)
    for (const session of seeded.slice(0, 4)) {
      const data = await loadThrough(`file:${join(cwd, 'data/sessions')}`, session.cookie)
      expect(data).not.toBeNull()
    }
    const first = seeded[0]
    expect(
      await loadThrough(`file:${join(cwd, 'data/sessions')}`, first?.cookie ?? ''),
    ).toMatchObject({ cart: 'sku-1' })
    // The source is left as it was.
    expect(json(await sessionkit(['--store', from, 'stats', '--json'], { cwd }))).toEqual(before)
  })

  it('prints a summary for people, and --from defaults to --store', async () => {
    const cwd = project()
    await seed(`file:${join(cwd, 'files')}`, [{ userId: 'u' }, {}])
    const result = await sessionkit(
      ['--store', 'file:./files', 'migrate', '--to', 'sqlite:./copy.db'],
      { cwd },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('migrated 2 session(s) from file to sqlite')
    expect(result.stdout).toContain('check: 2 of 2 migrated session(s) are live in sqlite')
    // Not a terminal: no progress bar.
    expect(result.stderr).toBe('')
  })

  it.runIf(hasScript)('draws a progress bar on a terminal', async () => {
    const cwd = project()
    await seed(`sqlite:${join(cwd, 'a.db')}`, [{}, {}, {}])
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const command = `${process.execPath} ${BIN} migrate --from sqlite:./a.db --to file:./out`
    const output = await new Promise<string>((resolve) => {
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { cwd, timeout: 60_000 },
        (_error, stdout) => resolve(stdout),
      )
    })
    expect(output).toContain('migrating |')
    expect(output).toContain('3/3 sessions')
    expect(output).toContain('migrated 3 session(s)')
  })

  it('writes nothing in a dry run', async () => {
    const cwd = project()
    await seed(`sqlite:${join(cwd, 'a.db')}`, [{}, {}, {}])
    const result = await sessionkit(
      ['migrate', '--from', 'sqlite:./a.db', '--to', 'file:./out', '--dry-run', '--json'],
      { cwd },
    )
    expect(json<Summary>(result)).toMatchObject({ migrated: 3, dryRun: true, check: null })
    expect(existsSync(join(cwd, 'out'))).toBe(false)
  })

  it('refuses a missing source, the same store twice and a cookie: target', async () => {
    const cwd = project()
    const missing = await sessionkit(
      ['migrate', '--from', 'sqlite:./nope.db', '--to', 'file:./x'],
      {
        cwd,
      },
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('there is no sqlite store at')
    expect(existsSync(join(cwd, 'nope.db'))).toBe(false)

    await seed(`sqlite:${join(cwd, 'a.db')}`, [{}])
    const same = await sessionkit(['migrate', '--from', 'sqlite:./a.db', '--to', 'sqlite:./a.db'], {
      cwd,
    })
    expect(same.code).toBe(2)
    const cookie = await sessionkit(['migrate', '--from', 'sqlite:./a.db', '--to', 'cookie:'], {
      cwd,
    })
    expect(cookie.code).toBe(2)
    expect(cookie.stderr).toContain('cookie: store keeps sessions in browsers')
    const userField = await sessionkit(
      ['migrate', '--from', 'sqlite:./a.db', '--to', 'file:./x', '--user-field', 'user'],
      { cwd },
    )
    expect(userField.code).toBe(2)
  })

  it('exits with 1 when the target cannot be written', async () => {
    const cwd = project()
    await seed(`sqlite:${join(cwd, 'a.db')}`, [{}, {}])
    // A directory inside a plain file cannot be created, even by root.
    writeFileSync(join(cwd, 'plain'), '')
    const result = await sessionkit(
      ['migrate', '--from', 'sqlite:./a.db', '--to', 'file:./plain/sessions'],
      { cwd },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/SESSIONKIT_STORE_(UNAVAILABLE|ERROR)/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
