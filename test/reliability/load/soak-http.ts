/**
 * The soak's HTTP client: node:http over one keep-alive Agent (a socket per virtual client, kept
 * open between requests, as a browser or a reverse proxy keeps them), with a per-request
 * timeout so that a hung request is counted as an error instead of hanging the soak.
 */
import { Agent, request } from 'node:http'

/**
 * A generous bound: the soak measures correctness under load, not latency. The first requests
 * on new connections, at the start of a run, took up to 17 s on this machine at load average
 * 15 (kept-alive ones stayed under 1 s where traced), so 60 s is far from any answer that was
 * merely slow.
 */
const REQUEST_TIMEOUT_MS = 60_000

export interface HttpAnswer {
  status: number
  body: string
  setCookie: string[]
  /** Whether the request went over a kept-alive connection rather than a new one. */
  reusedSocket: boolean
}

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
}

export function send(
  agent: Agent,
  url: URL,
  method: 'GET' | 'POST',
  cookie: string | undefined,
): Promise<HttpAnswer> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = cookie === undefined ? {} : { cookie }
    if (method === 'POST') headers['content-length'] = '0'
    const req = request(url, { agent, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          body,
          setCookie: res.headers['set-cookie'] ?? [],
          reusedSocket: req.reusedSocket,
        }),
      )
      res.on('error', fail)
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`))
    })
    req.on('error', fail)
    req.end()
  })
}
