/**
 * Starts soak-server.ts as a child process and talks to it over IPC: waits for it to listen,
 * asks it for its stats, stops it. Its output is kept for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { ServerStats, SoakRequest, SoakResponse } from './soak-protocol.js'

const REPO_ROOT = resolve(import.meta.dirname, '../../..')
const ENTRY = 'test/reliability/load/soak-server.ts'
/** tsx compiles on start-up; on a loaded machine that alone can take several seconds. */
const START_LIMIT_MS = 60_000
const STATS_LIMIT_MS = 30_000

export interface SoakServer {
  url: string
  stats(): Promise<ServerStats>
  /** Everything the server printed (its store errors, if any). */
  output(): string
  stop(): Promise<void>
}

function nextMessage(child: ChildProcess, limitMs: number, what: string): Promise<SoakResponse> {
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => finish(new Error(`soak server: no ${what} in ${limitMs} ms`)),
      limitMs,
    )
    const onMessage = (message: SoakResponse) => finish(null, message)
    const onExit = (code: number | null) =>
      finish(new Error(`soak server exited (${code}) before ${what}`))
    function finish(error: Error | null, message?: SoakResponse) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (error !== null || message === undefined) fail(error)
      else done(message)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

export async function startSoakServer(env: Record<string, string>): Promise<SoakServer> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  const keep = (chunk: string) => {
    output += chunk
  }
  child.stdout?.setEncoding('utf8').on('data', keep)
  child.stderr?.setEncoding('utf8').on('data', keep)
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))

  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null) return
    // Closing the IPC channel asks the server to close its store and exit.
    if (child.connected) child.disconnect()
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  try {
    const ready = await nextMessage(child, START_LIMIT_MS, 'ready message')
    if (ready.type !== 'ready') throw new Error(`soak server: expected ready, got ${ready.type}`)
    // One request at a time: the stats answers are matched to requests by order.
    let queue: Promise<unknown> = Promise.resolve()
    const stats = () => {
      const asked = queue.then(async () => {
        const answer = nextMessage(child, STATS_LIMIT_MS, 'stats')
        child.send({ type: 'stats' } satisfies SoakRequest)
        const message = await answer
        if (message.type !== 'stats') {
          throw new Error(
            `soak server stats failed: ${message.type === 'failed' ? message.message : message.type}`,
          )
        }
        return message.stats
      })
      queue = asked.catch(() => undefined)
      return asked
    }
    return { url: `http://127.0.0.1:${ready.port}`, stats, output: () => output, stop }
  } catch (error) {
    await stop()
    throw new Error(`${String(error)}\n${output}`)
  }
}
