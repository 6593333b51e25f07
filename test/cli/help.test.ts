/** `sessionkit --help`, usage errors and keygen, through the real executable. */
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { estimateEntropyBits, KeyRing } from '../../src/core/crypto.js'
import { json, sessionkit } from './support.js'

// Each test starts the CLI in child processes; a loaded CI machine needs more than the default.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

const COMMANDS = [
  'list',
  'show',
  'revoke',
  'revoke-user',
  'cleanup',
  'stats',
  'migrate',
  'keygen',
  'doctor',
]

describe('sessionkit --help', () => {
  it('names every command and the exit codes', async () => {
    const result = await sessionkit(['--help'])
    expect(result.code).toBe(0)
    for (const command of COMMANDS) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    }
    expect(result.stdout).toContain('Exit codes')
  })

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    const result = await sessionkit(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  it('shows each command’s own help', async () => {
    const result = await sessionkit(['migrate', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('--to <url>')
    expect(result.stdout).toContain('--user-field')
  })
})

describe('usage errors exit with 2', () => {
  it.each([
    [[], /Usage: sessionkit/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['list', '--frob'], /unknown option '--frob'/],
    [['show'], /missing required argument 'session'/],
    [['migrate'], /required option '--to <url>' not specified/],
    [['list', '--limit', 'many'], /--limit <n>.*must be a whole number/],
    [['keygen', '--bytes', '16'], /must be a whole number from 32 to 1024/],
    [
      ['--store', 'nope:x', 'stats'],
      /SESSIONKIT_INVALID_CONFIG: .*scheme "nope:" is not supported/,
    ],
  ])('%j', async (args, message) => {
    const result = await sessionkit(args as string[])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('sessionkit keygen', () => {
  it('prints 32 random bytes, base64url, that the key ring accepts', async () => {
    const [first, second] = await Promise.all([sessionkit(['keygen']), sessionkit(['keygen'])])
    expect(first.code).toBe(0)
    const secret = first.stdout.trim()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32)
    expect(second.stdout.trim()).not.toBe(secret)
    expect(estimateEntropyBits(Buffer.from(secret))).toBeGreaterThan(96)
    expect(() => new KeyRing([secret])).not.toThrow()
  })

  it('makes longer secrets with --bytes, and JSON with --json', async () => {
    const long = await sessionkit(['keygen', '--bytes', '64'])
    expect(Buffer.from(long.stdout.trim(), 'base64url')).toHaveLength(64)
    const result = json<{ secret: string; bytes: number }>(await sessionkit(['keygen', '--json']))
    expect(result.bytes).toBe(32)
    expect(Buffer.from(result.secret, 'base64url')).toHaveLength(32)
  })
})
