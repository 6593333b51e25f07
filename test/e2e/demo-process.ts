/**
 * Starts the demo the way `npm start` does (`node --import tsx demo/server.ts`), as a child
 * process on a port of its choosing, with its own SQLite file in a temporary directory, and
 * stops it again. Shared by the e2e tests and the screenshot script.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')

/** The longest the demo may take to answer on / (the bound). */
export const STARTUP_LIMIT_MS = 30_000

export interface RunningDemo {
  /** http://localhost:<port> */
  url: string
  port: number
  child: ChildProcess
  /** Everything the demo wrote so far (stdout and stderr), for failure messages. */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how the process ended. Idempotent. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface StartOptions {
  /** Extra environment for the demo (PORT, SESSIONKIT_STORE and SESSION_SECRET are set). */
  env?: Record<string, string>
  /** The status GET / must answer before the demo counts as up. @default 200 */
  expectStatus?: number
}

export async function startDemo(options: StartOptions = {}): Promise<RunningDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-demo-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      // Port 0: the demo picks a free port and prints it, so two runs never race for one.
      PORT: '0',
      SESSIONKIT_STORE: `sqlite:${join(dir, 'sessions.db')}`,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      DEMO_SECURE_COOKIES: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }))
  })
  // If the test process goes down without running afterAll, the demo must not outlive it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined
  const stop = (graceMs = 5_000) => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const result = await exited
      clearTimeout(timer)
      process.removeListener('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
      return result
    })()
    return stopping
  }

  try {
    const url = await waitForUrl(() => output, exited)
    await waitUntilAnswering(url, options.expectStatus ?? 200)
    return { url, port: Number(new URL(url).port), child, output: () => output, stop }
  } catch (error) {
    await stop()
    throw new Error(
      `the demo did not start: ${(error as Error).message}\n--- output ---\n${output}`,
    )
  }
}

/** The URL the demo prints once it listens. */
async function waitForUrl(
  output: () => string,
  exited: Promise<{ code: number | null }>,
): Promise<string> {
  const deadline = Date.now() + STARTUP_LIMIT_MS
  let gone = false
  void exited.then(() => {
    gone = true
  })
  while (Date.now() < deadline) {
    const match = /sessionkit demo on (http:\/\/localhost:\d+)/.exec(output())
    if (match?.[1]) return match[1]
    if (gone) throw new Error('it exited before listening')
    await new Promise((done) => setTimeout(done, 50))
  }
  throw new Error(`no "sessionkit demo on" line within ${STARTUP_LIMIT_MS} ms`)
}

async function waitUntilAnswering(url: string, status: number): Promise<void> {
  const deadline = Date.now() + STARTUP_LIMIT_MS
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (response.status === status) return
      last = new Error(`GET / answered ${response.status}`)
    } catch (error) {
      last = error
    }
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`GET ${url}/ did not answer ${status}: ${String(last)}`)
}
