/**
 * The load generator child: `node --import tsx bench/http/loadgen.ts`. Runs autocannon jobs
 * the orchestrator sends over IPC, one at a time, and answers with what each measured. It runs
 * in a process of its own so that the load it makes and the server it loads never share an
 * event loop with each other or with the orchestrator.
 * @module
 */
import autocannon from 'autocannon'
import { type LoadJob, type LoadMessage, type LoadResult, messageOf } from './protocol.js'

function send(message: LoadMessage): void {
  process.send?.(message)
}

async function run(job: LoadJob): Promise<LoadResult> {
  let next = 0
  const result = await autocannon({
    url: job.url,
    method: job.method,
    connections: job.connections,
    duration: job.durationMs / 1000,
    // autocannon checks for the end of the run at each sample tick (every second by
    // default): ticks of 50 ms let a run end within 50 ms of its duration.
    sampleInt: 50,
    // Each connection keeps its own session, so concurrent writes hit different sessions.
    setupClient:
      job.cookies.length === 0
        ? undefined
        : (client) => {
            const cookie = job.cookies[next++ % job.cookies.length] ?? ''
            client.setHeaders({ cookie })
          },
  })
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

process.on('message', (job: LoadJob) => {
  if (job.type !== 'run') return
  run(job).then(
    (result) => send({ type: 'done', id: job.id, result }),
    (error: unknown) => send({ type: 'failed', id: job.id, message: messageOf(error) }),
  )
})
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })
