/**
 * The orchestrator's side of the load generator child: send it a job, get its result, with a
 * bound on how long any job may take.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { nextMessage, startChild, stopChild } from './children.js'
import type { LoadJob, LoadMessage, LoadResult } from './protocol.js'

/** What a job may take beyond its duration: connecting, and the requests still in flight. */
const SLACK_MS = 20_000

export interface LoadGenerator {
  /** The load generator child's process ID (cpu.ts reads its CPU time from /proc). */
  pid: number | undefined
  run(job: Omit<LoadJob, 'type' | 'id'>): Promise<LoadResult>
  close(): Promise<void>
}

function isLoadMessage(message: unknown): message is LoadMessage {
  return typeof message === 'object' && message !== null && 'type' in message
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = startChild('./loadgen.ts', {}, 'load')
  await nextMessage(
    child,
    (message) => (isLoadMessage(message) && message.type === 'ready' ? true : undefined),
    30_000,
    'starting the load generator',
  )
  let nextId = 0
  return {
    pid: child.pid,
    async run(job) {
      const id = nextId++
      const answer = nextMessage(
        child,
        (message) => {
          if (!isLoadMessage(message) || message.type === 'ready' || message.id !== id) {
            return undefined
          }
          if (message.type === 'failed') throw new Error(`autocannon: ${message.message}`)
          return message.result
        },
        job.durationMs + SLACK_MS,
        'autocannon',
      )
      child.send({ ...job, type: 'run', id } satisfies LoadJob)
      return answer
    },
    async close() {
      child.disconnect()
      await stopChild(child, 5_000)
    },
  }
}
