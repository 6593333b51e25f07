/**
 * Serves a fetch handler with node:http, so the fetch adapter is tested over a real socket:
 * IncomingMessage → Request, Response → ServerResponse. The peer address of each Request is
 * kept in {@link remoteAddressOf} for the adapter's `getIp` option.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const addresses = new WeakMap<Request, string>()

/** The socket address a Request came from (what a runtime's own `requestIP()` would give). */
export function remoteAddressOf(request: Request): string | null {
  return addresses.get(request) ?? null
}

/** A running server. */
export interface Served {
  url: string
  close(): Promise<void>
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host'])

async function toRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(name) || value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks)
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method,
    headers,
    body,
  })
  addresses.set(request, req.socket.remoteAddress ?? '')
  return request
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value)
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Listens on 127.0.0.1, port 0. */
export async function serveFetch(
  handler: (request: Request) => Promise<Response>,
): Promise<Served> {
  const server = createServer((req, res) => {
    toRequest(req)
      .then(handler)
      .then((response) => writeResponse(response, res))
      .catch((error: unknown) => {
        // A bridge failure must show up as a failing test, not a hung request.
        res.statusCode = 599
        res.end(String(error))
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
