/**
 * A server child: `node --import tsx bench/http/server.ts`, started by the orchestrator with
 * the variant and run settings in its environment. Opens the variant's backend, starts its
 * app on a free loopback port and says so over IPC; on `close`, stops the app, removes what
 * the run stored and exits. It exits too if the orchestrator goes away.
 *
 * To profile one variant by hand: `BENCH_VARIANT=express/sk-memory BENCH_TAG=prof
 * BENCH_SECRET=<32+ chars> BENCH_DIR=/tmp node --cpu-prof --import tsx bench/http/server.ts`,
 * load it (e.g. `npx autocannon`), then Ctrl-C: it cleans up and the profile is written.
 * @module
 */

import type { Listening, StartApp } from './apps/types.js'
import { openBackend } from './backends/index.js'
import type { Backend, RunSettings } from './backends/types.js'
import { messageOf, type ServerCommand, type ServerMessage } from './protocol.js'
import type { ServerStats } from './scenarios.js'
import { type Framework, findVariant } from './variants.js'

/** Loaded on demand: a child loads its own framework only, and starts sooner. */
const APPS: Record<Framework, () => Promise<StartApp>> = {
  express: async () => (await import('./apps/express.js')).startExpress,
  fastify: async () => (await import('./apps/fastify.js')).startFastify,
  hono: async () => (await import('./apps/hono.js')).startHono,
  koa: async () => (await import('./apps/koa.js')).startKoa,
  node: async () => (await import('./apps/node.js')).startNode,
}

/** Cleaning up may keep a server that was told to go alive this long, no longer. */
const EXIT_MS = 10_000

function send(message: ServerMessage): void {
  if (process.connected) process.send?.(message)
}

/** Set once the app is up: stops it and removes what the run stored. */
let cleanup: (() => Promise<void>) | null = null
let exiting = false

/** Cleans up (bounded in time) and exits: on `close`, on a signal, or when the orchestrator is gone. */
function shutdown(code: number): void {
  if (exiting) return
  exiting = true
  setTimeout(() => process.exit(1), EXIT_MS).unref()
  const done = cleanup === null ? Promise.resolve() : cleanup()
  done.then(
    () => {
      send({ type: 'closed' })
      process.exit(code)
    },
    (error: unknown) => {
      send({ type: 'error', message: `closing: ${messageOf(error)}` })
      process.exit(1)
    },
  )
}

// Ctrl-C reaches the whole process group, and the orchestrator sends SIGTERM when it ends
// early: either way drop the run's tables and keys before going, instead of dying at once.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(1))
// The orchestrator died without a word: the same, never linger.
process.on('disconnect', () => shutdown(1))
process.on('message', (command: ServerCommand) => {
  if (command.type === 'close') shutdown(0)
})

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

async function statsOf(backend: Backend | null, withRecords: boolean): Promise<string> {
  const stats: ServerStats = {
    writes: { ...(backend?.writes ?? {}) },
    records: backend !== null && withRecords ? await backend.records() : null,
  }
  return JSON.stringify(stats)
}

async function main(): Promise<void> {
  const variant = findVariant(env('BENCH_VARIANT'))
  if (variant === undefined) throw new Error(`unknown variant ${process.env.BENCH_VARIANT}`)
  const settings: RunSettings = {
    tag: env('BENCH_TAG'),
    secret: env('BENCH_SECRET'),
    dir: env('BENCH_DIR'),
  }
  const backend = await openBackend(variant.backend, settings)
  // A signal from here on still drops what the backend made (one before it is open can leave
  // tables or keys behind; they carry the run's tag).
  cleanup = async () => {
    await backend?.close()
  }
  let app: Listening
  try {
    const start = await APPS[variant.framework]()
    app = await start(
      backend,
      settings,
      (withRecords) => statsOf(backend, withRecords),
      variant.backend,
    )
  } catch (error) {
    await backend?.close()
    throw error
  }
  cleanup = async () => {
    await app.close()
    await backend?.close()
  }
  send({ type: 'ready', port: app.port })
  // Started by hand (e.g. under --cpu-prof to profile one variant): say where it listens.
  if (!process.connected) process.stdout.write(`listening on http://127.0.0.1:${app.port}\n`)
}

main().catch((error: unknown) => {
  send({ type: 'error', message: messageOf(error) })
  process.exit(1)
})
