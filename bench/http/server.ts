/**
 * A server child: `node --import tsx bench/http/server.ts`, started by the orchestrator with
 * the variant and run settings in its environment. Opens the variant's backend, starts its
 * app on a free loopback port and says so over IPC; on `close`, stops the app, removes what
 * the run stored and exits. It exits too if the orchestrator goes away.
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

function send(message: ServerMessage): void {
  process.send?.(message)
}

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
  let app: Listening
  try {
    const start = await APPS[variant.framework]()
    app = await start(backend, settings, (withRecords) => statsOf(backend, withRecords))
  } catch (error) {
    await backend?.close()
    throw error
  }
  let closing = false
  const close = async (): Promise<void> => {
    if (closing) return
    closing = true
    await app.close()
    await backend?.close()
    send({ type: 'closed' })
    process.exit(0)
  }
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'close') {
      close().catch((error: unknown) => {
        send({ type: 'error', message: `closing: ${messageOf(error)}` })
        process.exit(1)
      })
    }
  })
  // The orchestrator died without a word: clean up and go, never linger.
  process.on('disconnect', () => {
    void close().finally(() => process.exit(1))
  })
  send({ type: 'ready', port: app.port })
}

main().catch((error: unknown) => {
  send({ type: 'error', message: messageOf(error) })
  process.exit(1)
})
