/**
 * The least any signed, hashed-at-rest session can do on a read, as an Express middleware: parse
 * the Cookie header, check express-session's HMAC-SHA256 signature in constant time, SHA-256 the
 * ID, a Map get, JSON.parse, expiry, one `req.session` property, and a hold on the response
 * (on Express's shared response prototype, as sessionkit's gate) that compares the session's
 * JSON when the response ends. No options, no errors handled, no writes: a yardstick for
 * bench/express/in-process.ts, not a session library.
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { parse } from 'cookie'
import type { Express, NextFunction, Request, Response } from 'express'

const NAME = 'connect.sid'

function mac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')
}

const held = new WeakMap<ServerResponse, () => void>()

/** Puts the floor middleware on `app` and returns the Cookie header of one stored session. */
export function useFloor(app: Express, secret: string): string {
  const store = new Map<string, string>()
  const id = 'a'.repeat(43)
  store.set(
    createHash('sha256').update(id).digest('base64url'),
    JSON.stringify({ expiresAt: Date.now() + 86_400_000, data: { n: 1 } }),
  )
  const base = Object.getPrototypeOf(app.response) as Record<string, unknown>
  const parent = Object.getPrototypeOf(base) as Record<string, (...args: unknown[]) => unknown>
  base.end = function end(this: ServerResponse, ...args: unknown[]) {
    const commit = held.get(this)
    if (commit !== undefined) {
      held.delete(this)
      commit()
    }
    return parent.end?.apply(this, args)
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    let data: Record<string, unknown> = {}
    const raw = parse(req.headers.cookie ?? '')[NAME]
    if (raw?.startsWith('s:')) {
      const signed = raw.slice(2)
      const dot = signed.lastIndexOf('.')
      const value = signed.slice(0, dot)
      const given = Buffer.from(signed.slice(dot + 1))
      const expected = Buffer.from(mac(secret, value))
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        const stored = store.get(createHash('sha256').update(value).digest('base64url'))
        const record = stored === undefined ? undefined : JSON.parse(stored)
        if (record !== undefined && record.expiresAt > Date.now()) data = record.data
      }
    }
    const before = JSON.stringify(data)
    ;(req as unknown as { session: unknown }).session = data
    held.set(res, () => {
      // Where a session layer would decide to save: nothing changed on a read.
      if (JSON.stringify((req as unknown as { session: unknown }).session) !== before) data = {}
    })
    next()
  })
  return `${NAME}=${encodeURIComponent(`s:${id}.${mac(secret, id)}`)}`
}
