/**
 * sessionkit with node:http: `node --import tsx examples/node/server.ts` (PORT, default 3004).
 * An app imports 'sessionkit', 'sessionkit/node' and 'sessionkit/stores/memory' instead of the
 * ../../src paths used here to run from the repository.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeSessions, type SessionIncomingMessage } from '../../src/adapters/node.js'
import { SessionManager } from '../../src/index.js'
import { MemoryStore } from '../../src/stores/memory.js'
import {
  type ExampleData,
  type ExampleFlash,
  exampleSecret,
  nameFrom,
  portFrom,
  renderPage,
} from '../shared/page.js'

const sessions = new SessionManager<ExampleData, ExampleFlash>({
  store: new MemoryStore(),
  secrets: [exampleSecret()],
  idleTimeout: '30m',
  // Secure cookies need HTTPS; browsers make an exception for http://localhost only.
  cookie: { secure: process.env.NODE_ENV === 'production' },
})

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 4096) break
  }
  return new URLSearchParams(body)
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location }).end()
}

async function handle(
  req: SessionIncomingMessage<ExampleData, ExampleFlash>,
  res: ServerResponse,
): Promise<void> {
  const session = req.session
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  if (req.method === 'GET' && path === '/') {
    const visits = (session?.get('visits') ?? 0) + 1
    session?.set('visits', visits)
    const notice = session?.flash('notice') ?? null
    const user = session?.userId ?? null
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(renderPage({ framework: 'node:http', user, visits, notice }))
  } else if (req.method === 'POST' && path === '/login') {
    const name = nameFrom(await readForm(req))
    if (name === null) {
      res.writeHead(400).end('A name is needed to sign in')
      return
    }
    await session?.login(name) // a new session ID: the old one is dead
    session?.flash('notice', `Welcome, ${name}!`)
    redirect(res, '/') // the session is saved before this redirect goes out
  } else if (req.method === 'POST' && path === '/logout') {
    await session?.logout()
    session?.flash('notice', 'Signed out.')
    redirect(res, '/')
  } else {
    res.writeHead(404).end('Not found')
  }
}

const server = createServer(nodeSessions(sessions)(handle))
server.listen(portFrom(3004), () => {
  const { port } = server.address() as AddressInfo
  console.log(`sessionkit node:http example on http://localhost:${port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void sessions.close())
  })
}
