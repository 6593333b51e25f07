/**
 * The orchestrator's side of one server child: start it, ask it for its store stats, get the
 * cookies of fresh sessions from it, stop it (it cleans up its store first).
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import type { RunSettings } from './backends/types.js'
import { nextMessage, startChild, stopChild } from './children.js'
import type { ServerMessage } from './protocol.js'
import { type ServerStats, STATS_PATH } from './scenarios.js'
import type { Variant } from './variants.js'

/** Starting includes connecting to the store and creating its tables. */
const START_MS = 30_000
/** Closing includes dropping the run's tables and keys. */
const CLOSE_MS = 30_000
const REQUEST_MS = 10_000

export interface ServerHandle {
  variant: Variant
  url: string
  /** The server child's process ID (cpu.ts reads its CPU time from /proc). */
  pid: number | undefined
  stats(withRecords?: boolean): Promise<ServerStats>
  /** `count` new sessions (POST /new without a cookie), as Cookie header values. */
  newSessions(count: number): Promise<string[]>
  close(): Promise<void>
}

function isServerMessage(message: unknown): message is ServerMessage {
  return typeof message === 'object' && message !== null && 'type' in message
}

async function newSession(url: string): Promise<string> {
  const response = await fetch(`${url}/new`, {
    method: 'POST',
    signal: AbortSignal.timeout(REQUEST_MS),
  })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`POST /new answered ${response.status}`)
  const pairs = response.headers.getSetCookie().map((cookie) => cookie.split(';', 1)[0] ?? '')
  if (pairs.length === 0) throw new Error('POST /new set no cookie')
  return pairs.join('; ')
}

/**
 * A variant that did not load the session it just created would measure fast for doing
 * nothing: its first read must see the count POST /new set.
 */
async function checkLoads(url: string, cookie: string): Promise<void> {
  const response = await fetch(`${url}/read`, {
    headers: { cookie },
    signal: AbortSignal.timeout(REQUEST_MS),
  })
  const body = await response.text()
  if (!response.ok || body !== '1') {
    throw new Error(`GET /read of a new session answered ${response.status} "${body}", not "1"`)
  }
}

export async function startServer(variant: Variant, settings: RunSettings): Promise<ServerHandle> {
  const child: ChildProcess = startChild(
    './server.ts',
    {
      BENCH_VARIANT: variant.id,
      BENCH_TAG: settings.tag,
      BENCH_SECRET: settings.secret,
      BENCH_DIR: settings.dir,
    },
    'server',
  )
  let port: number
  try {
    port = await nextMessage(
      child,
      (message) => {
        if (!isServerMessage(message)) return undefined
        if (message.type === 'error') throw new Error(message.message)
        return message.type === 'ready' ? message.port : undefined
      },
      START_MS,
      `starting ${variant.id}`,
    )
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const url = `http://127.0.0.1:${port}`
  return {
    variant,
    url,
    pid: child.pid,
    async stats(withRecords = false) {
      const response = await fetch(`${url}${STATS_PATH}${withRecords ? '?records' : ''}`, {
        signal: AbortSignal.timeout(REQUEST_MS),
      })
      if (!response.ok) throw new Error(`${STATS_PATH} answered ${response.status}`)
      return (await response.json()) as ServerStats
    },
    async newSessions(count) {
      if (variant.role === 'ceiling' || variant.role === 'reference') return []
      const cookies: string[] = []
      // A few at a time: fast, without queueing dozens of requests on the server at once.
      for (let start = 0; start < count; start += 10) {
        const batch = Array.from({ length: Math.min(10, count - start) }, () => newSession(url))
        cookies.push(...(await Promise.all(batch)))
      }
      if (cookies[0] !== undefined) await checkLoads(url, cookies[0])
      return cookies
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.send({ type: 'close' })
      await stopChild(child, CLOSE_MS)
    },
  }
}
