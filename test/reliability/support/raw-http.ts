/**
 * Raw HTTP/1.1 over a TCP socket. fetch and node:http refuse to send header values with NUL,
 * control or non-Latin-1 characters, but an attacker's client does not: this sends the bytes
 * as they are, so the server's parser and the adapter see exactly what a hostile peer sends.
 */
import { connect } from 'node:net'

/** What came back: the status code and the body (everything after the header block). */
export interface RawResponse {
  status: number
  body: string
}

/**
 * GET `path` with `cookie` as the Cookie header, written as Latin-1 bytes (CR and LF removed:
 * they would end the header, which is a different request, not a different cookie).
 */
export function rawGet(port: number, path: string, cookie: string): Promise<RawResponse> {
  const value = cookie.replace(/[\r\n]/g, '')
  const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: ${value}\r\n\r\n`
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      const split = text.indexOf('\r\n\r\n')
      resolve({ status, body: split === -1 ? '' : text.slice(split + 4) })
    })
    socket.write(Buffer.from(head, 'latin1'))
  })
}

/** The Cookie header as the server receives it from {@link rawGet}: Latin-1, CR and LF gone. */
export function wireText(cookie: string): string {
  return Buffer.from(cookie.replace(/[\r\n]/g, ''), 'latin1').toString('latin1')
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await task(item)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
}
