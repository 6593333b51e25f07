/**
 * loadConfig: sessionkit.config.yaml / .yml / .json, then the SESSIONKIT_* variables over it,
 * validated by the schema. Errors are InvalidConfigError naming the setting (or the variable)
 * and what it allows; they never repeat a value, since a value may be a secret.
 * @module
 */

import { existsSync, readFileSync } from 'node:fs'
import { extname, isAbsolute, join, resolve } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { InvalidConfigError } from '../core/errors.js'
import { CONFIG_FILE_ENV, type Environment, readEnvironment } from './env.js'
import { configSchema, SETTING_NAMES, type SessionkitConfig } from './schema.js'

/** The names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'sessionkit.config.yaml',
  'sessionkit.config.yml',
  'sessionkit.config.json',
] as const

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Where to look for the file, and what a relative `file` is relative to. @default process.cwd() */
  cwd?: string
  /** This file instead of looking for one (SESSIONKIT_CONFIG does the same). */
  file?: string
  /** The environment to read SESSIONKIT_* from. @default process.env */
  env?: Environment
}

/** Where a loaded configuration came from. */
export interface ConfigSources {
  /** The file read, or null when there was none. */
  file: string | null
  /** The SESSIONKIT_* variables that set something. */
  env: string[]
}

/** A validated configuration and where it came from. */
export interface LoadedConfig extends SessionkitConfig {
  sources: ConfigSources
}

type Raw = Record<string, unknown>

function isPlainObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function errorCode(error: unknown): string {
  const code = isPlainObject(error) || error instanceof Error ? Reflect.get(error, 'code') : null
  return typeof code === 'string' ? code : 'unknown error'
}

/** The file to read: the option, SESSIONKIT_CONFIG, or the one found in `cwd` (or none). */
function locate(cwd: string, options: LoadConfigOptions, env: Environment) {
  const chosen = options.file ?? (env[CONFIG_FILE_ENV]?.trim() || undefined)
  if (chosen !== undefined) {
    const field = options.file === undefined ? CONFIG_FILE_ENV : 'file'
    return { path: isAbsolute(chosen) ? chosen : resolve(cwd, chosen), field }
  }
  const found = CONFIG_FILE_NAMES.map((name) => join(cwd, name)).filter((path) => existsSync(path))
  if (found.length > 1) {
    throw new InvalidConfigError(
      'file',
      `found ${found.join(' and ')}; keep one, or choose one with ${CONFIG_FILE_ENV}`,
    )
  }
  const [path] = found
  return path === undefined ? null : { path, field: 'file' }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** Parses the file. Parser messages are not reused: they quote the offending line. */
function parseFile(path: string, text: string, field: string): unknown {
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text)
    } catch (error) {
      const position = /position (\d+)/.exec(String(error))?.[1]
      const where = position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`
      throw new InvalidConfigError(field, `${path} is not valid JSON${where}`)
    }
  }
  try {
    return parseYaml(text) ?? {}
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error
    const at = error.linePos?.[0]
    const where = at ? ` (line ${at.line}, column ${at.col}: ${error.code})` : ` (${error.code})`
    // A URL ending in ':' (`store: memory:`) reads as a nested key: the usual culprit.
    const hint =
      error.code === 'BLOCK_AS_IMPLICIT_KEY'
        ? "; quote values that end with ':', e.g. store: 'memory:'"
        : ''
    throw new InvalidConfigError(field, `${path} is not valid YAML${where}${hint}`)
  }
}

function readConfigFile(location: { path: string; field: string }): Raw {
  let text: string
  try {
    text = readFileSync(location.path, 'utf8')
  } catch (error) {
    const code = errorCode(error)
    const why = code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`
    throw new InvalidConfigError(location.field, `${location.path}: ${why}`)
  }
  const parsed = parseFile(location.path, text, location.field)
  if (!isPlainObject(parsed)) {
    throw new InvalidConfigError(location.field, `${location.path} must hold a mapping of settings`)
  }
  // Editors use "$schema" for completion; it is not a setting.
  const { $schema: _ignored, ...settings } = parsed
  return settings
}

/** The file's settings with the environment's over them (the cookie section key by key). */
function merge(file: Raw, env: Raw): Raw {
  const merged: Raw = { ...file, ...env }
  if (isPlainObject(env.cookie) && file.cookie !== undefined) {
    // A file `cookie` that is not a mapping stays, so the schema reports it.
    merged.cookie = isPlainObject(file.cookie) ? { ...file.cookie, ...env.cookie } : file.cookie
  }
  return merged
}

interface Located {
  field: string
  fromEnv: boolean
}

/** `['secrets', 1]` → `secrets[1]`, or `SESSIONKIT_SECRETS[1]` when the environment set it. */
function locateIssue(path: readonly PropertyKey[], origins: ReadonlyMap<string, string>): Located {
  const names = path.filter((part): part is string => typeof part === 'string')
  const indexes = path
    .filter((part): part is number => typeof part === 'number')
    .map((index) => `[${index}]`)
    .join('')
  const dotted = names.join('.')
  const env = origins.get(dotted)
  return { field: `${env ?? dotted}${indexes}`, fromEnv: env !== undefined }
}

function describe(issue: z.core.$ZodIssue, origins: ReadonlyMap<string, string>) {
  if (issue.code === 'unrecognized_keys') {
    const section = issue.path.filter((part) => typeof part === 'string').join('.')
    const key = issue.keys[0] ?? ''
    const known = SETTING_NAMES[section] ?? []
    const where = section === '' ? 'the settings are' : `the settings of \`${section}\` are`
    return {
      field: section === '' ? key : `${section}.${key}`,
      fromEnv: false,
      message: `is not a setting; ${where} ${known.join(', ')}`,
    }
  }
  return { ...locateIssue(issue.path, origins), message: issue.message }
}

function toConfigError(
  issues: readonly z.core.$ZodIssue[],
  origins: ReadonlyMap<string, string>,
  file: string | null,
): InvalidConfigError {
  const described = issues.map((issue) => describe(issue, origins))
  const [first, ...rest] = described
  if (first === undefined) return new InvalidConfigError('config', 'is invalid')
  const where = first.fromEnv || file === null ? '' : ` (in ${file})`
  const more =
    rest.length === 0
      ? ''
      : `; ${rest.length} more: ${rest.map((item) => `\`${item.field}\` ${item.message}`).join('; ')}`
  return new InvalidConfigError(first.field, `${first.message}${where}${more}`)
}

/**
 * Loads and validates the configuration: the file (sessionkit.config.yaml, .yml or .json in
 * `cwd`, or the one `file` or SESSIONKIT_CONFIG names), then the SESSIONKIT_* variables, which
 * override it. Every setting has a default, so neither is required. Synchronous, for start-up.
 *
 * @throws InvalidConfigError whose `field` is the setting's dotted path (`cookie.sameSite`,
 * `secrets[1]`), or the variable's name when the value came from the environment
 * (`SESSIONKIT_LIFETIME`), and whose message says what is allowed. Values are never repeated.
 * @example
 * ```ts
 * const config = loadConfig()              // ./sessionkit.config.yaml + SESSIONKIT_*
 * const sessions = createFromConfig(config)
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const location = locate(cwd, options, env)
  const fileSettings = location === null ? {} : readConfigFile(location)
  const overrides = readEnvironment(env)
  const result = configSchema.safeParse(merge(fileSettings, overrides.values))
  const file = location?.path ?? null
  if (!result.success) throw toConfigError(result.error.issues, overrides.origins, file)
  return { ...result.data, sources: { file, env: [...overrides.origins.values()] } }
}
