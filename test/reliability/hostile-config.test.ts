/**
 * Hostile configuration: generated values of every type for every setting of the config file
 * (JSON and YAML), every SESSIONKIT_* variable, and every SessionManager option. Each one is
 * either accepted with a value the manager can run with, or refused with InvalidConfigError
 * naming the setting (or the variable); never another error, and never with a secret in the
 * message.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify as toYaml } from 'yaml'
import { createFromConfig } from '../../src/config/create.js'
import { ENV_SETTINGS } from '../../src/config/env.js'
import { loadConfig } from '../../src/config/load.js'
import { InvalidConfigError } from '../../src/core/errors.js'
import { SessionManager } from '../../src/core/manager.js'
import type { SessionManagerOptions } from '../../src/core/options.js'
import { MemoryStore } from '../../src/stores/memory.js'

const SECRET = randomBytes(32).toString('base64url')
const root = mkdtempSync(join(tmpdir(), 'sessionkit-hostile-config-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SETTINGS = [
  'store',
  'secrets',
  'lifetime',
  'idleTimeout',
  'rolling',
  'touchAfter',
  'lazy',
  'header',
  'maxSessionsPerUser',
  'cleanupInterval',
  'failOpen',
  'cookie',
] as const
const COOKIE_SETTINGS = [
  'name',
  'path',
  'domain',
  'httpOnly',
  'secure',
  'sameSite',
  'partitioned',
  'persistent',
  'hostPrefix',
] as const

/** Values that probe types and ranges: wrong types, negative and huge durations, junk strings. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -1e9, max: 0 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(
    -1,
    0,
    1,
    1e300,
    2 ** 31,
    Number.MAX_SAFE_INTEGER,
    '-5m',
    '0s',
    '1e309',
    '1000000w',
    '99999999d',
    '30d',
    'NaN',
    'Infinity',
    'off',
    '',
    ' ',
    'true',
    'memory:',
    'nope:',
    'ftp://x',
    'file:../../../etc',
    'sqlite:',
    'redis://',
    'short',
    'passwordpasswordpasswordpassword',
    'a'.repeat(10_000),
    '\u0000',
    '😀',
    [],
    {},
  ),
)

/** A setting path (`lifetime`, `cookie.sameSite`) and a value for it. */
const settingAndValue = fc.oneof(
  fc.tuple(fc.constantFrom(...SETTINGS), hostileValue),
  fc.tuple(
    fc.constantFrom(...COOKIE_SETTINGS).map((name) => `cookie.${name}`),
    hostileValue,
  ),
)

function settingsWith(path: string, value: unknown): Record<string, unknown> {
  const [head, child] = path.split('.') as [string, string | undefined]
  const base: Record<string, unknown> = { secrets: [SECRET], cleanupInterval: 'off' }
  if (child === undefined) return { ...base, [head]: value }
  return { ...base, cookie: { secure: false, [child]: value } }
}

/** setInterval and setTimeout turn any longer delay into 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER = 2 ** 31 - 1

/**
 * What every accepted configuration must allow: a timer delay Node honours, and a session
 * that commits (its cookie's Expires must be a real date).
 */
async function expectWorkable(manager: SessionManager): Promise<void> {
  try {
    const interval = manager.options.cleanupInterval
    expect(interval === null || interval <= MAX_TIMER, 'cleanupInterval overflows').toBe(true)
    const session = await manager.load()
    session.set('k', 1)
    expect(await manager.commit(session)).toHaveLength(1)
  } finally {
    await manager.close()
  }
}

/** Loads, then builds a manager from what loaded: both must agree on what is acceptable. */
function loadAndBuild(cwd: string, env: Record<string, string> = {}): SessionManager {
  const config = loadConfig({ cwd, env })
  return createFromConfig(
    { ...config, secrets: config.secrets.length > 0 ? config.secrets : [SECRET] },
    { store: new MemoryStore({ sweepInterval: 0 }) },
  )
}

/** The error `run` throws, which must be an InvalidConfigError; null when it did not throw. */
async function configError(run: () => SessionManager): Promise<InvalidConfigError | null> {
  let manager: SessionManager
  try {
    manager = run()
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error
    return error
  }
  await expectWorkable(manager)
  return null
}

let counter = 0
function caseDir(name: string, text: string): string {
  const cwd = join(root, `case-${counter++}`)
  mkdirSync(cwd)
  writeFileSync(join(cwd, name), text)
  return cwd
}

describe('configuration files with hostile values', () => {
  for (const format of ['json', 'yaml'] as const) {
    it(`${format}: 600 settings with generated values are accepted or refused naming the setting`, async () => {
      let refused = 0
      await fc.assert(
        fc.asyncProperty(settingAndValue, async ([path, value]) => {
          const settings = settingsWith(path, value)
          const text = format === 'json' ? JSON.stringify(settings) : toYaml(settings)
          const cwd = caseDir(`sessionkit.config.${format}`, text)
          const error = await configError(() => loadAndBuild(cwd))
          if (error === null) return
          refused++
          const head = path.split('.')[0] ?? path
          expect(error.field.startsWith(head), `${error.field} for ${path}`).toBe(true)
          expect(error.message).not.toContain(SECRET)
        }),
        { numRuns: 600, seed: 20_261_131 },
      )
      expect(refused).toBeGreaterThan(200)
    })
  }
})

describe('SESSIONKIT_* variables with hostile text', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40, unit: 'binary' }),
    hostileValue.filter((v) => typeof v === 'string').map(String),
    fc.integer().map(String),
    fc.double().map(String),
  )
  it('800 variables with generated text are accepted or refused naming the variable', async () => {
    let refused = 0
    const cwd = join(root, 'env')
    mkdirSync(cwd)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENV_SETTINGS), text, async (setting, value) => {
        const env = {
          SESSIONKIT_SECRETS: SECRET,
          SESSIONKIT_CLEANUP_INTERVAL: 'off',
          SESSIONKIT_COOKIE_SECURE: 'false',
          [setting.name]: value,
        }
        const error = await configError(() => loadAndBuild(cwd, env))
        if (error === null) return
        refused++
        expect(error.field.startsWith(setting.name) || error.field.startsWith(setting.path)).toBe(
          true,
        )
        expect(error.message).not.toContain(SECRET)
      }),
      { numRuns: 800, seed: 20_261_132 },
    )
    expect(refused).toBeGreaterThan(200)
  })

  it('a refused secret is never repeated, whatever it is and whatever else is wrong', async () => {
    const cwd = join(root, 'secrets')
    mkdirSync(cwd)
    // The marker keeps a generated secret from matching ordinary words of a message by chance.
    const secret = fc.string({ maxLength: 60 }).map((s) => `ZQX${s.replace(/,/g, '')}`)
    await fc.assert(
      fc.asyncProperty(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.constantFrom<Record<string, string>>(
          {},
          { SESSIONKIT_LIFETIME: '-1' },
          { SESSIONKIT_STORE: 'nope:' },
        ),
        async (secrets, extra) => {
          const error = await configError(() =>
            loadAndBuild(cwd, { SESSIONKIT_SECRETS: secrets.join(','), ...extra }),
          )
          for (const s of secrets) expect(error?.message ?? '').not.toContain(s.trim())
        },
      ),
      { numRuns: 500, seed: 20_261_133 },
    )
  })
})

describe('SessionManager options given hostile values directly', () => {
  const OPTIONS = [
    'secrets',
    'lifetime',
    'idleTimeout',
    'rolling',
    'touchAfter',
    'cookie',
    'lazy',
    'header',
    'skip',
    'maxSessionsPerUser',
    'cleanupInterval',
    'failOpen',
    'clock',
    'store',
  ] as const
  const direct = fc.oneof(
    hostileValue,
    fc.constantFrom(
      () => true,
      Symbol('x'),
      10n,
      new Date(Number.NaN),
      { now: 'soon' },
      { name: 'a b' },
      { sameSite: 'none', secure: false },
      [SECRET, 'short'],
      new Uint8Array(8),
      null,
    ),
  )

  it('1,000 options with generated values are accepted or refused naming the option', async () => {
    let refused = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPTIONS), direct, async (option, value) => {
        const options = {
          store: new MemoryStore({ sweepInterval: 0 }),
          secrets: [SECRET],
          cleanupInterval: null,
          [option]: value,
        } as unknown as SessionManagerOptions
        const error = await configError(() => new SessionManager(options))
        if (error === null) return
        refused++
        expect(error.field.startsWith(option), `${error.field} for ${option}`).toBe(true)
        expect(error.message).not.toContain(SECRET)
      }),
      { numRuns: 1000, seed: 20_261_134 },
    )
    expect(refused).toBeGreaterThan(300)
  })
})
