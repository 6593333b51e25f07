import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COOKIE_DEFAULTS } from '../core/cookies.js'
import { InvalidConfigError } from '../core/errors.js'
import { loadConfig } from './load.js'
import { DEFAULT_STORE_URL } from './schema.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-config-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let counter = 0
/** A fresh directory holding the given files. */
function dir(files: Record<string, string> = {}): string {
  const path = join(root, `case-${counter++}`)
  mkdirSync(path)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text)
  return path
}

const SECRET_A = 'tQ3vZb8Yk1xWm4Hs7Lp0Rd2Nf5Gj9Ec6Ua_Vo-Ti8Ky'
const SECRET_B = 'Pz7Wq2Lm9Xc4Vb1Nk8Js3Hd6Gf0Ta5Ry_Ue-Oi2Mw7Qe'

/** The InvalidConfigError that loading throws. */
function failure(cwd: string, env: Record<string, string> = {}, file?: string): InvalidConfigError {
  try {
    loadConfig({ cwd, env, ...(file === undefined ? {} : { file }) })
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError)
    return error as InvalidConfigError
  }
  throw new Error('expected loadConfig to throw')
}

describe('loadConfig: defaults', () => {
  it('gives every default with no file and no variables', () => {
    const config = loadConfig({ cwd: dir(), env: {} })
    expect(config).toEqual({
      store: DEFAULT_STORE_URL,
      secrets: [],
      lifetime: 86_400_000,
      idleTimeout: null,
      rolling: true,
      touchAfter: undefined,
      lazy: true,
      header: null,
      maxSessionsPerUser: null,
      cleanupInterval: 3_600_000,
      failOpen: false,
      cookie: { ...COOKIE_DEFAULTS, domain: null },
      sources: { file: null, env: [] },
    })
  })

  it('reads an empty YAML file as no settings', () => {
    const cwd = dir({ 'sessionkit.config.yaml': '# nothing yet\n' })
    expect(loadConfig({ cwd, env: {} }).lifetime).toBe(86_400_000)
  })
})

describe('loadConfig: files', () => {
  it('reads every setting from YAML', () => {
    const cwd = dir({
      'sessionkit.config.yaml': `
store: "sqlite:./sessions.db"
secrets:
  - ${SECRET_A}
  - ${SECRET_B}
lifetime: 12h
idleTimeout: 30m
rolling: false
touchAfter: 2m
lazy: false
header: x-session-token
maxSessionsPerUser: 5
cleanupInterval: 15m
failOpen: true
cookie:
  name: app
  path: /app
  domain: example.com
  httpOnly: true
  secure: true
  sameSite: strict
  partitioned: false
  persistent: false
  hostPrefix: false
`,
    })
    const config = loadConfig({ cwd, env: {} })
    expect(config).toMatchObject({
      store: 'sqlite:./sessions.db',
      secrets: [SECRET_A, SECRET_B],
      lifetime: 12 * 3_600_000,
      idleTimeout: 30 * 60_000,
      rolling: false,
      touchAfter: 120_000,
      lazy: false,
      header: 'x-session-token',
      maxSessionsPerUser: 5,
      cleanupInterval: 15 * 60_000,
      failOpen: true,
      cookie: {
        name: 'app',
        path: '/app',
        domain: 'example.com',
        sameSite: 'strict',
        persistent: false,
        hostPrefix: false,
      },
    })
    expect(config.sources.file).toBe(join(cwd, 'sessionkit.config.yaml'))
  })

  it('reads JSON and .yml, and ignores $schema', () => {
    const json = dir({
      'sessionkit.config.json': JSON.stringify({ $schema: './schema.json', lifetime: 3_600_000 }),
    })
    expect(loadConfig({ cwd: json, env: {} }).lifetime).toBe(3_600_000)
    const yml = dir({ 'sessionkit.config.yml': 'lifetime: 2h\n' })
    expect(loadConfig({ cwd: yml, env: {} }).lifetime).toBe(7_200_000)
  })

  it('turns idleTimeout, cleanupInterval, header and the cap off with "off" or null', () => {
    const cwd = dir({
      'sessionkit.config.yaml':
        'idleTimeout: off\ncleanupInterval: null\nheader: off\nmaxSessionsPerUser: ~\n',
    })
    expect(loadConfig({ cwd, env: {} })).toMatchObject({
      idleTimeout: null,
      cleanupInterval: null,
      header: null,
      maxSessionsPerUser: null,
    })
  })

  it('reads the file named by `file` or SESSIONKIT_CONFIG, relative to cwd', () => {
    const cwd = dir({ 'custom.yaml': 'lifetime: 1h\n', 'sessionkit.config.yaml': 'lifetime: 5h\n' })
    expect(loadConfig({ cwd, env: {}, file: 'custom.yaml' }).lifetime).toBe(3_600_000)
    expect(loadConfig({ cwd, env: { SESSIONKIT_CONFIG: 'custom.yaml' } }).lifetime).toBe(3_600_000)
  })

  it('refuses two candidate files, a missing named file, and a file that is not a mapping', () => {
    const both = dir({ 'sessionkit.config.yaml': '', 'sessionkit.config.json': '{}' })
    expect(failure(both).field).toBe('file')
    expect(failure(dir(), {}, 'missing.yaml').field).toBe('file')
    expect(failure(dir(), { SESSIONKIT_CONFIG: 'missing.yaml' }).field).toBe('SESSIONKIT_CONFIG')
    const list = dir({ 'sessionkit.config.yaml': '- a\n- b\n' })
    expect(failure(list).message).toContain('must hold a mapping of settings')
  })

  it('reports YAML and JSON syntax errors by position, without quoting the file', () => {
    const yaml = dir({ 'sessionkit.config.yaml': `secrets: [${SECRET_A}\nlifetime: [\n` })
    const yamlError = failure(yaml)
    expect(yamlError.field).toBe('file')
    expect(yamlError.message).toMatch(/not valid YAML \(line \d+, column \d+/)
    expect(yamlError.message).not.toContain(SECRET_A)
    const json = dir({ 'sessionkit.config.json': `{"secrets": ["${SECRET_A}"],, }` })
    const jsonError = failure(json)
    expect(jsonError.message).toContain('not valid JSON')
    expect(jsonError.message).not.toContain(SECRET_A)
  })

  it('hints at quoting a URL that ends with a colon', () => {
    const cwd = dir({ 'sessionkit.config.yaml': 'store: memory:\n' })
    expect(failure(cwd).message).toContain("quote values that end with ':'")
    const quoted = dir({ 'sessionkit.config.yaml': "store: 'memory:'\n" })
    expect(loadConfig({ cwd: quoted, env: {} }).store).toBe('memory:')
  })
})

describe('loadConfig: environment', () => {
  it('overrides the file, setting by setting (the cookie section key by key)', () => {
    const cwd = dir({
      'sessionkit.config.yaml':
        'lifetime: 12h\nrolling: false\ncookie:\n  name: app\n  sameSite: strict\n',
    })
    const config = loadConfig({
      cwd,
      env: {
        SESSIONKIT_LIFETIME: '2h',
        SESSIONKIT_COOKIE_SAME_SITE: 'Lax',
        SESSIONKIT_STORE: 'file:./sessions',
      },
    })
    expect(config.lifetime).toBe(7_200_000)
    expect(config.rolling).toBe(false)
    expect(config.cookie).toMatchObject({ name: 'app', sameSite: 'lax' })
    expect(config.store).toBe('file:./sessions')
    expect(config.sources.env.sort()).toEqual([
      'SESSIONKIT_COOKIE_SAME_SITE',
      'SESSIONKIT_LIFETIME',
      'SESSIONKIT_STORE',
    ])
  })

  it('reads every variable', () => {
    const config = loadConfig({
      cwd: dir(),
      env: {
        SESSIONKIT_STORE: 'sqlite:./x.db',
        SESSIONKIT_SECRETS: ` ${SECRET_A} , ${SECRET_B} ,`,
        SESSIONKIT_LIFETIME: '7d',
        SESSIONKIT_IDLE_TIMEOUT: '30m',
        SESSIONKIT_ROLLING: 'no',
        SESSIONKIT_TOUCH_AFTER: '30000',
        SESSIONKIT_LAZY: '0',
        SESSIONKIT_HEADER: 'x-token',
        SESSIONKIT_MAX_SESSIONS_PER_USER: '3',
        SESSIONKIT_CLEANUP_INTERVAL: 'off',
        SESSIONKIT_FAIL_OPEN: 'TRUE',
        SESSIONKIT_COOKIE_NAME: 'app',
        SESSIONKIT_COOKIE_PATH: '/api',
        SESSIONKIT_COOKIE_DOMAIN: 'example.org',
        SESSIONKIT_COOKIE_SECURE: 'yes',
        SESSIONKIT_COOKIE_HTTP_ONLY: 'on',
        SESSIONKIT_COOKIE_SAME_SITE: 'none',
        SESSIONKIT_COOKIE_PARTITIONED: 'true',
        SESSIONKIT_COOKIE_PERSISTENT: 'false',
        SESSIONKIT_COOKIE_HOST_PREFIX: 'false',
      },
    })
    expect(config).toMatchObject({
      store: 'sqlite:./x.db',
      secrets: [SECRET_A, SECRET_B],
      lifetime: 7 * 86_400_000,
      idleTimeout: 1_800_000,
      rolling: false,
      touchAfter: 30_000,
      lazy: false,
      header: 'x-token',
      maxSessionsPerUser: 3,
      cleanupInterval: null,
      failOpen: true,
      cookie: {
        name: 'app',
        path: '/api',
        domain: 'example.org',
        secure: true,
        httpOnly: true,
        sameSite: 'none',
        partitioned: true,
        persistent: false,
        hostPrefix: false,
      },
    })
  })

  it('treats an empty variable as unset', () => {
    const cwd = dir({ 'sessionkit.config.yaml': 'lifetime: 3h\n' })
    expect(loadConfig({ cwd, env: { SESSIONKIT_LIFETIME: '' } }).lifetime).toBe(3 * 3_600_000)
  })
})

describe('loadConfig: every bad value is an InvalidConfigError naming its field', () => {
  const fileCases: [string, string][] = [
    ['store: 42', 'store'],
    ['store: "nope"', 'store'],
    ['store: "ftp://x"', 'store'],
    ['secrets: 42', 'secrets'],
    ['secrets: [short]', 'secrets[0]'],
    [`secrets: [${SECRET_A}, 12345]`, 'secrets'],
    ['lifetime: forever', 'lifetime'],
    ['lifetime: 0', 'lifetime'],
    ['lifetime: -5', 'lifetime'],
    ['idleTimeout: 10 minutes', 'idleTimeout'],
    ['idleTimeout: 0', 'idleTimeout'],
    ['rolling: sometimes', 'rolling'],
    ['touchAfter: soon', 'touchAfter'],
    ['idleTimeout: 10m\ntouchAfter: 10m', 'touchAfter'],
    ['lazy: 1', 'lazy'],
    ['header: "not a header"', 'header'],
    ['maxSessionsPerUser: 0', 'maxSessionsPerUser'],
    ['maxSessionsPerUser: 2.5', 'maxSessionsPerUser'],
    ['cleanupInterval: hourly', 'cleanupInterval'],
    ['failOpen: "yes"', 'failOpen'],
    ['cookie: 5', 'cookie'],
    ['cookie:\n  name: "a b"', 'cookie.name'],
    ['cookie:\n  path: app', 'cookie.path'],
    ['cookie:\n  domain: ""', 'cookie.domain'],
    ['cookie:\n  httpOnly: "no"', 'cookie.httpOnly'],
    ['cookie:\n  secure: 0', 'cookie.secure'],
    ['cookie:\n  sameSite: sometimes', 'cookie.sameSite'],
    ['cookie:\n  sameSite: none\n  secure: false', 'cookie.sameSite'],
    ['cookie:\n  partitioned: true', 'cookie.partitioned'],
    ['cookie:\n  persistent: maybe', 'cookie.persistent'],
    ['cookie:\n  hostPrefix: 2', 'cookie.hostPrefix'],
    ['lifetme: 2h', 'lifetme'],
    ['cookie:\n  sameSit: lax', 'cookie.sameSit'],
  ]
  it.each(fileCases)('file %j → %s', (yaml, field) => {
    const error = failure(dir({ 'sessionkit.config.yaml': `${yaml}\n` }))
    expect(error.field).toBe(field)
    expect(error.code).toBe('SESSIONKIT_INVALID_CONFIG')
    expect(error.message).toContain('sessionkit.config.yaml')
  })

  const envCases: [Record<string, string>, string][] = [
    [{ SESSIONKIT_STORE: 'nope' }, 'SESSIONKIT_STORE'],
    [{ SESSIONKIT_SECRETS: `${SECRET_A},tooshort` }, 'SESSIONKIT_SECRETS[1]'],
    [{ SESSIONKIT_LIFETIME: '24 hours' }, 'SESSIONKIT_LIFETIME'],
    [{ SESSIONKIT_IDLE_TIMEOUT: 'never' }, 'SESSIONKIT_IDLE_TIMEOUT'],
    [{ SESSIONKIT_ROLLING: 'maybe' }, 'SESSIONKIT_ROLLING'],
    [{ SESSIONKIT_TOUCH_AFTER: 'x' }, 'SESSIONKIT_TOUCH_AFTER'],
    [{ SESSIONKIT_LAZY: '2' }, 'SESSIONKIT_LAZY'],
    [{ SESSIONKIT_HEADER: 'x token' }, 'SESSIONKIT_HEADER'],
    [{ SESSIONKIT_MAX_SESSIONS_PER_USER: 'many' }, 'SESSIONKIT_MAX_SESSIONS_PER_USER'],
    [{ SESSIONKIT_CLEANUP_INTERVAL: 'hourly' }, 'SESSIONKIT_CLEANUP_INTERVAL'],
    [{ SESSIONKIT_FAIL_OPEN: 'si' }, 'SESSIONKIT_FAIL_OPEN'],
    [{ SESSIONKIT_COOKIE_NAME: 'a;b' }, 'SESSIONKIT_COOKIE_NAME'],
    [{ SESSIONKIT_COOKIE_PATH: 'api' }, 'SESSIONKIT_COOKIE_PATH'],
    [{ SESSIONKIT_COOKIE_SECURE: 'nah' }, 'SESSIONKIT_COOKIE_SECURE'],
    [{ SESSIONKIT_COOKIE_HTTP_ONLY: 'x' }, 'SESSIONKIT_COOKIE_HTTP_ONLY'],
    [{ SESSIONKIT_COOKIE_SAME_SITE: 'loose' }, 'SESSIONKIT_COOKIE_SAME_SITE'],
    [{ SESSIONKIT_COOKIE_PARTITIONED: 'true' }, 'SESSIONKIT_COOKIE_PARTITIONED'],
    [{ SESSIONKIT_COOKIE_PERSISTENT: '?' }, 'SESSIONKIT_COOKIE_PERSISTENT'],
    [{ SESSIONKIT_COOKIE_HOST_PREFIX: '?' }, 'SESSIONKIT_COOKIE_HOST_PREFIX'],
    [
      { SESSIONKIT_COOKIE_SAME_SITE: 'none', SESSIONKIT_COOKIE_SECURE: 'false' },
      'SESSIONKIT_COOKIE_SAME_SITE',
    ],
  ]
  it.each(envCases)('environment %j → %s', (env, field) => {
    const error = failure(dir(), env)
    expect(error.field).toBe(field)
    expect(error.message).toMatch(/must|needs|is \d+ bytes|not supported|looks low|start/)
  })

  it('says what is allowed', () => {
    const cwd = dir()
    expect(failure(cwd, { SESSIONKIT_LIFETIME: 'soon' }).message).toContain('"24h"')
    expect(failure(cwd, { SESSIONKIT_COOKIE_SAME_SITE: 'x' }).message).toContain(
      "'lax', 'strict' or 'none'",
    )
    expect(failure(cwd, { SESSIONKIT_IDLE_TIMEOUT: 'x' }).message).toContain('"off"')
    const unknown = failure(dir({ 'sessionkit.config.yaml': 'lifetme: 2h\n' }))
    expect(unknown.message).toContain('is not a setting')
    expect(unknown.message).toContain('lifetime')
  })

  it('names every problem, the first as the field', () => {
    const error = failure(dir({ 'sessionkit.config.yaml': 'lifetime: x\nrolling: y\n' }))
    expect(error.field).toBe('lifetime')
    expect(error.message).toContain('`rolling`')
  })

  it('never repeats a secret, whatever is wrong with it', () => {
    const weak = 'passwordpasswordpasswordpassword'
    const short = 'Zx9-short-Qw'
    const cases: Record<string, string>[] = [
      { SESSIONKIT_SECRETS: weak },
      { SESSIONKIT_SECRETS: `${short},${SECRET_A}` },
      { SESSIONKIT_SECRETS: SECRET_A, SESSIONKIT_LIFETIME: 'x' },
    ]
    for (const env of cases) {
      const error = failure(dir(), env)
      expect(error.message).not.toContain(weak)
      expect(error.message).not.toContain(short)
      expect(error.message).not.toContain(SECRET_A)
    }
    const file = failure(dir({ 'sessionkit.config.yaml': `secrets: ${short}\n` }))
    expect(file.field).toBe('secrets[0]')
    expect(file.message).not.toContain(short)
  })
})
