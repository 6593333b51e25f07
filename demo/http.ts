/**
 * Small request and response helpers over node:http: replies as values (so a route finishes
 * every session change before anything is written), form bodies, security headers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Html } from './views/html.js'

/** What a route answers. The app writes it after the route returns. */
export type Reply =
  | { kind: 'page'; status: number; body: Html; headers?: Record<string, string> }
  | { kind: 'redirect'; location: string }
  | { kind: 'json'; status: number; value: unknown }
  | { kind: 'asset'; type: string; body: string }

export function page(body: Html, status = 200, headers: Record<string, string> = {}): Reply {
  return { kind: 'page', status, body, headers }
}

/** 303: the browser follows with a GET, so a reload never re-posts the form. */
export function redirect(location: string): Reply {
  return { kind: 'redirect', location }
}

export function json(value: unknown, status = 200): Reply {
  return { kind: 'json', status, value }
}

// No scripts at all, styles only from the stylesheet, forms only to this site.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
}

/** Writes a reply. Call only after every session change of the request is made. */
export function send(res: ServerResponse, reply: Reply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
  switch (reply.kind) {
    case 'page': {
      const body = `<!doctype html>\n${reply.body.toString()}`
      res.writeHead(reply.status, {
        ...reply.headers,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        // Pages show who is signed in and carry the CSRF token: never cache them.
        'cache-control': 'no-store',
      })
      res.end(body)
      return
    }
    case 'redirect':
      res.writeHead(303, { location: reply.location, 'content-length': 0 })
      res.end()
      return
    case 'json': {
      const body = JSON.stringify(reply.value)
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      })
      res.end(body)
      return
    }
    case 'asset':
      res.writeHead(200, {
        'content-type': reply.type,
        'content-length': Buffer.byteLength(reply.body),
        'cache-control': 'public, max-age=3600',
      })
      res.end(reply.body)
      return
  }
}

/** The largest form the demo accepts; its forms are a few hundred bytes. */
export const MAX_FORM_BYTES = 16 * 1024

export class BodyTooLargeError extends Error {}

/**
 * The request body as form fields. Only `application/x-www-form-urlencoded` is read (what the
 * demo's forms send); any other body counts as an empty form, which then fails the CSRF check.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_FORM_BYTES) throw new BodyTooLargeError()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_FORM_BYTES) throw new BodyTooLargeError()
    chunks.push(buffer)
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return new URLSearchParams()
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
