/**
 * Whether a request came over HTTPS, decided as express-session decides it (its `proxy` option).
 * @module
 */
import type { TLSSocket } from 'node:tls'
import type { Request } from 'express'

/**
 * True for a TLS connection. Otherwise `proxy: false` says no; `proxy: true` trusts the first
 * `X-Forwarded-Proto` value; undefined asks Express (`req.secure`, which honours "trust proxy").
 */
export function isSecure(req: Request, proxy: boolean | undefined): boolean {
  if ((req.socket as Partial<TLSSocket> | undefined)?.encrypted) return true
  if (proxy === false) return false
  if (proxy !== true) return req.secure === true
  const header = req.headers['x-forwarded-proto']
  const value = Array.isArray(header) ? header.join(',') : (header ?? '')
  return (value.split(',')[0] ?? '').trim().toLowerCase() === 'https'
}

/** The path of the URL the request arrived with (before any router rewrote `req.url`). */
export function originalPath(req: Request): string {
  const url = req.originalUrl || req.url || '/'
  const end = url.search(/[?#]/)
  const path = end === -1 ? url : url.slice(0, end)
  return path === '' ? '/' : path
}

/**
 * True when the request's original path is under `cookiePath`, as express-session checks it
 * before loading a session. Every path starts with `/`, so the usual cookie path needs no
 * parsing of the URL.
 */
export function onCookiePath(req: Request, cookiePath: string): boolean {
  if (cookiePath === '/' && (req.originalUrl || req.url || '/').startsWith('/')) return true
  return originalPath(req).startsWith(cookiePath)
}
