/**
 * The messages between the orchestrator and its two kinds of child, over Node's IPC channel.
 * @module
 */

/** Server child → orchestrator. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'closed' }
  | { type: 'error'; message: string }

/** Orchestrator → server child. */
export type ServerCommand = { type: 'close' }

/** One autocannon run, orchestrator → load generator. */
export interface LoadJob {
  type: 'run'
  id: number
  url: string
  method: 'GET' | 'POST'
  /** One cookie per connection, or none. */
  cookies: string[]
  connections: number
  durationMs: number
}

/** What one autocannon run measured. */
export interface LoadResult {
  requests: number
  seconds: number
  p50: number
  p99: number
  /** Socket errors and timeouts. */
  errors: number
  non2xx: number
}

/** Load generator → orchestrator. */
export type LoadMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: LoadResult }
  | { type: 'failed'; id: number; message: string }

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
