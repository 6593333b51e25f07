/**
 * Exit codes and error lines scripts can rely on, and `doctor`, through the real executable.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { STORE_SCHEMES } from '../../src/stores/open-store.js'
import { json, SECRET, seed, sessionkit, tempDir } from './support.js'

// Each test starts the CLI in child processes; a loaded CI machine needs more than the default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const root = tempDir()
afterAll(() => rmSync(root, { recursive: true, force: true }))

let counter = 0
function project(files: Record<string, string> = {}): string {
  const dir = join(root, `project-${counter++}`)
  mkdirSync(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** One line on stderr, `sessionkit: CODE: …`, and no stack trace. */
function expectOneLine(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(new RegExp(`^sessionkit: ${code}: `))
}

describe('exit codes', () => {
  it('1 when the store is not there (and nothing is created)', async () => {
    const cwd = project()
    const result = await sessionkit(['stats'], { cwd })
    expect(result.code).toBe(1)
    expectOneLine(result.stderr, 'SESSIONKIT_STORE_UNAVAILABLE')
    expect(result.stderr).toContain('data/sessions.db')
  })

  it.runIf(Object.hasOwn(STORE_SCHEMES, 'postgres'))(
    '1 when a server store is unreachable, without the URL’s password',
    async () => {
      const result = await sessionkit([
        '--store',
        'postgres://admin:hunter2@127.0.0.1:1/app',
        'list',
      ])
      expect(result.code).toBe(1)
      expectOneLine(result.stderr, 'SESSIONKIT_STORE_UNAVAILABLE')
      expect(result.stderr).not.toContain('hunter2')
    },
  )

  it('2 for a store URL that cannot be used, a memory: store, or a store without the capability', async () => {
    const bad = await sessionkit(['--store', 'sqlite:', 'list'])
    expect(bad.code).toBe(2)
    expectOneLine(bad.stderr, 'SESSIONKIT_INVALID_CONFIG')
    const memory = await sessionkit(['--store', 'memory:', 'stats'])
    expect(memory.code).toBe(2)
    expectOneLine(memory.stderr, 'SESSIONKIT_CLI_USAGE')
    const cookie = await sessionkit(['--store', 'cookie:', 'stats'])
    expect(cookie.code).toBe(2)
    expectOneLine(cookie.stderr, 'SESSIONKIT_CAPABILITY_UNSUPPORTED')
  })

  it('2 for an invalid configuration, naming the field and never the secret', async () => {
    const secret = 'passwordpasswordpasswordpassword'
    const cwd = project({ 'sessionkit.config.yaml': `secrets: [${secret}]\n` })
    const result = await sessionkit(['stats'], { cwd })
    expect(result.code).toBe(2)
    expectOneLine(result.stderr, 'SESSIONKIT_INVALID_CONFIG')
    expect(result.stderr).toContain('`secrets[0]`')
    expect(result.stderr).not.toContain(secret)
    const env = await sessionkit(['stats'], {
      cwd: project(),
      env: { SESSIONKIT_LIFETIME: 'soon' },
    })
    expect(env.code).toBe(2)
    expect(env.stderr).toContain('`SESSIONKIT_LIFETIME`')
  })

  it('uses the configured store, and --store over it', async () => {
    const cwd = project({ 'sessionkit.config.yaml': 'store: "sqlite:./configured.db"\n' })
    await seed(`sqlite:${join(cwd, 'configured.db')}`, [{}, {}])
    await seed(`sqlite:${join(cwd, 'other.db')}`, [{}])
    expect(
      json<{ sessions: number }>(await sessionkit(['stats', '--json'], { cwd })).sessions,
    ).toBe(2)
    const env = await sessionkit(['stats', '--json'], {
      cwd,
      env: { SESSIONKIT_STORE: 'sqlite:./other.db' },
    })
    expect(json<{ sessions: number }>(env).sessions).toBe(1)
    const flag = await sessionkit(['stats', '--json', '--store', 'sqlite:./other.db'], { cwd })
    expect(json<{ sessions: number }>(flag).sessions).toBe(1)
  })

  it('--debug adds the stack trace', async () => {
    const result = await sessionkit(['--debug', 'stats'], { cwd: project() })
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n').length).toBeGreaterThan(2)
    expect(result.stderr).toMatch(/\n\s+at /)
  })
})

describe('sessionkit doctor', () => {
  interface Report {
    healthy: boolean
    checks: { name: string; status: string; detail: string }[]
  }

  it('is healthy (0) with a valid configuration and a store that answers', async () => {
    const cwd = project()
    const result = await sessionkit(['doctor', '--json', '--write'], {
      cwd,
      env: { SESSIONKIT_SECRETS: SECRET, SESSIONKIT_STORE: 'sqlite:./data/sessions.db' },
    })
    expect(result.code).toBe(0)
    const report = json<Report>(result)
    expect(report.healthy).toBe(true)
    expect(report.checks.map((check) => check.name)).toEqual([
      'config',
      'secrets',
      'store',
      'capabilities',
      'options',
    ])
    expect(report.checks.find((check) => check.name === 'store')?.detail).toMatch(/read in/)
    expect(result.stdout).not.toContain(SECRET)
  })

  it('is unhealthy (2) without a secret, and names the problem', async () => {
    const result = await sessionkit(['doctor'], { cwd: project() })
    expect(result.code).toBe(2)
    expect(result.stdout).toMatch(/FAIL\s+secrets\s+no secret configured/)
    expect(result.stdout).toContain('unhealthy')
  })

  it('is unhealthy (2) with an invalid configuration', async () => {
    const cwd = project({ 'sessionkit.config.yaml': 'idleTimeout: sometimes\n' })
    const result = await sessionkit(['doctor', '--json'], { cwd })
    expect(result.code).toBe(2)
    const report = json<Report>(result)
    expect(report.checks[0]).toMatchObject({ name: 'config', status: 'fail' })
    expect(report.checks[0]?.detail).toContain('idleTimeout')
  })

  it('is unhealthy (1) when the store does not answer', async () => {
    const cwd = project({ plain: '' })
    const result = await sessionkit(['doctor', '--store', 'file:./plain/sessions', '--json'], {
      cwd,
      env: { SESSIONKIT_SECRETS: SECRET },
    })
    expect(result.code).toBe(1)
    expect(json<Report>(result).checks.find((check) => check.name === 'store')?.status).toBe('fail')
  })
})
