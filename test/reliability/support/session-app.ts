/**
 * A real node:http server behind the sessionkit node adapter, for the outage tests: every
 * request bumps a counter in its session and answers `{"n": <count>}`. Errors the adapter
 * answers for are collected (never logged) so a test can check what it saw.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ErrorContext } from '../../../src/adapters/node.js'
import { nodeSessions } from '../../../src/adapters/node.js'
import { SessionManager } from '../../../src/core/manager.js'
import type { Store } from '../../../src/core/store.js'

export interface SessionApp {
  readonly url: string
  readonly secret: string
  readonly manager: SessionManager<{ n: number }>
  /** Every error the adapter answered for, with where and when (performance.now()) it happened. */
  readonly errors: { error: unknown; phase: ErrorContext['phase']; at: number }[]
  close(): Promise<void>
}

export async function startSessionApp(store: Store): Promise<SessionApp> {
  const secret = randomBytes(32).toString('base64url')
  const manager = new SessionManager<{ n: number }>({
    store,
    secrets: [secret],
    cookie: { secure: false },
    cleanupInterval: null,
  })
  const errors: SessionApp['errors'] = []
  const withSession = nodeSessions(manager, {
    onError: (error, context) =>
      errors.push({ error, phase: context.phase, at: performance.now() }),
  })
  const server: Server = createServer(
    withSession(async (req, res) => {
      const n = (req.session?.get('n') ?? 0) + 1
      req.session?.set('n', n)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ n }))
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/visit`,
    secret,
    manager,
    errors,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await manager.close()
    },
  }
}
