/**
 * `sessionkit doctor [--timeout D] [--write] [--json]`: checks what the application would need
 * at start-up: the configuration, the secrets, the manager options, and a store that answers.
 * The exit code is the verdict: 0 healthy, 1 the store failed, 2 the configuration is invalid.
 * @module
 */

import { randomBytes } from 'node:crypto'
import { managerOptionsFrom } from '../../config/create.js'
import type { LoadedConfig } from '../../config/load.js'
import { KeyRing } from '../../core/crypto.js'
import { InvalidConfigError } from '../../core/errors.js'
import { hashId } from '../../core/ids.js'
import { resolveManagerOptions } from '../../core/options.js'
import type { Store, StoreCapabilities } from '../../core/store.js'
import { parseDuration } from '../../core/time.js'
import type { CliContext } from '../context.js'
import { EXIT, type ExitCode, exitCodeOf, formatError } from '../errors.js'
import { redactUrl, table, toJson } from '../output.js'

type Status = 'ok' | 'warn' | 'fail' | 'skip'

/** One line of the report. */
export interface Check {
  name: string
  status: Status
  detail: string
}

export interface DoctorOptions {
  timeout?: string
  write?: boolean
  json?: boolean
}

const DEFAULT_TIMEOUT = '5s'

function message(error: unknown): string {
  return formatError(error, false).replace(/^sessionkit: /, '')
}

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

class Report {
  readonly checks: Check[] = []
  exit: ExitCode = EXIT.ok

  add(name: string, status: Status, detail: string, failure: ExitCode = EXIT.failure): void {
    this.checks.push({ name, status, detail })
    // A configuration problem (2) outranks a store problem (1): fix the configuration first.
    if (status === 'fail' && failure > this.exit) this.exit = failure
  }
}

function checkConfig(ctx: CliContext, report: Report): LoadedConfig | null {
  try {
    const config = ctx.config()
    const file = config.sources.file ?? 'no file (defaults)'
    const env =
      config.sources.env.length === 0 ? 'no SESSIONKIT_* variables' : config.sources.env.join(', ')
    report.add('config', 'ok', `${file}; ${env}`)
    if (config.secrets.length === 0) {
      report.add(
        'secrets',
        'fail',
        'no secret configured: set SESSIONKIT_SECRETS (generate one with `sessionkit keygen`)',
        EXIT.usage,
      )
    } else {
      new KeyRing(config.secrets)
      report.add('secrets', 'ok', `${config.secrets.length} secret(s): the first signs, all verify`)
    }
    if (!config.cookie.secure) {
      report.add(
        'cookie',
        'warn',
        'cookie.secure is off: the session cookie is sent over plain HTTP',
      )
    }
    return config
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error
    report.add('config', 'fail', message(error), EXIT.usage)
    return null
  }
}

function capabilityList(capabilities: StoreCapabilities): string {
  const names = (Object.keys(capabilities) as (keyof StoreCapabilities)[]).filter(
    (name) => capabilities[name],
  )
  return names.length === 0 ? 'none' : names.join(', ')
}

async function probeStore(store: Store, timeoutMs: number, write: boolean): Promise<string> {
  const key = hashId(randomBytes(32).toString('base64url'))
  const started = performance.now()
  await within(timeoutMs, `store ${store.name}`, store.get(key, Date.now()))
  const latency = `read in ${(performance.now() - started).toFixed(1)} ms`
  if (!write) return latency
  const now = Date.now()
  const record = {
    data: { doctor: true },
    userId: null,
    tenantId: null,
    ip: null,
    userAgent: 'sessionkit doctor',
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
  }
  const writeStarted = performance.now()
  await within(timeoutMs, `store ${store.name}`, store.set(key, record))
  const back = await within(timeoutMs, `store ${store.name}`, store.get(key, now))
  await within(timeoutMs, `store ${store.name}`, store.destroy(key))
  if (back === null) throw new Error('a session written by doctor could not be read back')
  return `${latency}; write, read back and delete in ${(performance.now() - writeStarted).toFixed(1)} ms`
}

async function checkStore(
  ctx: CliContext,
  report: Report,
  config: LoadedConfig | null,
  options: DoctorOptions,
): Promise<void> {
  const url = ctx.globals.store ?? config?.store
  if (url === undefined) {
    report.add(
      'store',
      'skip',
      'not checked: the configuration is invalid and --store is not given',
    )
    return
  }
  const timeoutMs = parseDuration(options.timeout ?? DEFAULT_TIMEOUT, 'timeout')
  let store: Store
  try {
    store = ctx.openStore(url, { mustExist: false, allowMemory: true })
  } catch (error) {
    report.add('store', 'fail', `${redactUrl(url)}: ${message(error)}`, exitCodeOf(error))
    return
  }
  try {
    const detail = await probeStore(store, timeoutMs, options.write === true)
    report.add('store', 'ok', `${redactUrl(url)} answered (${detail})`)
    report.add('capabilities', 'ok', capabilityList(store.capabilities))
    if (store.name === 'memory') {
      report.add(
        'store kind',
        'warn',
        'memory: every process has its own sessions, lost on restart',
      )
    }
    if (config !== null && config.secrets.length > 0) {
      // The manager's own checks, some of which depend on the store (a sealed cookie store
      // refuses `header` and `maxSessionsPerUser`).
      resolveManagerOptions({ ...managerOptionsFrom(config), store, cleanupInterval: null })
      report.add('options', 'ok', 'the session manager accepts these settings')
    }
  } catch (error) {
    if (error instanceof InvalidConfigError)
      report.add('options', 'fail', message(error), EXIT.usage)
    else report.add('store', 'fail', `${redactUrl(url)}: ${message(error)}`)
  } finally {
    await within(timeoutMs, 'closing the store', store.close()).catch(() => {})
  }
}

export async function doctorCommand(ctx: CliContext, options: DoctorOptions): Promise<ExitCode> {
  if (options.timeout !== undefined) parseDuration(options.timeout, 'timeout')
  const report = new Report()
  const config = checkConfig(ctx, report)
  await checkStore(ctx, report, config, options)
  const healthy = report.exit === EXIT.ok
  if (options.json) {
    ctx.io.out(toJson({ healthy, checks: report.checks }))
  } else {
    const rows = report.checks.map(({ name, status, detail }) => [
      status.toUpperCase(),
      name,
      detail,
    ])
    ctx.io.out(
      `${table(['STATUS', 'CHECK', 'DETAIL'], rows)}\n\n${healthy ? 'healthy' : 'unhealthy'}`,
    )
  }
  return report.exit
}
