/**
 * The floor (bench/floor/sessions.ts) as an Express middleware: `req.session` is the session's
 * data as one property, and the response is held at its end (on the app's response prototype)
 * to commit before it goes out. A yardstick for the http suite and
 * bench/express/in-process.ts, not a session library.
 * @module
 */
import { ServerResponse } from 'node:http'
import type { Express, NextFunction, Request, Response } from 'express'
import { useDictionaryMode } from '../../src/adapters/express/dictionary-mode.js'
import type { FloorSession, FloorSessions } from '../floor/sessions.js'

const held = new WeakMap<ServerResponse, FloorSession>()

const nodeEnd = ServerResponse.prototype.end as (...args: unknown[]) => unknown

/**
 * Puts the floor on `app`: its middleware, and the hold on its responses' end. The hold goes on
 * this app's own response prototype, not on the `response` object every Express app shares
 * (where sessionkit's gate sits): the socket-free harness runs several apps in one process,
 * and an `end` there would take over the other apps' responses too.
 */
export function useFloor(app: Express, sessions: FloorSessions): void {
  const base = app.response as unknown as Record<string, unknown>
  base.end = function end(this: ServerResponse, ...args: unknown[]) {
    const session = held.get(this)
    if (session === undefined) return nodeEnd.apply(this, args)
    held.delete(this)
    // res.send ends without having written: the headers can still change.
    const committed = sessions.commit(session)
    if (!(committed instanceof Promise)) {
      if (committed !== undefined) this.setHeader('set-cookie', committed)
      // A commit done at once (a read, or a write the store took at once) goes out after this
      // turn's I/O, as sessionkit's held responses do (releaseAfterIo in
      // src/adapters/node-gate.ts): the floor keeps the same release policy, so that it stays
      // the least work for the same behaviour.
      setImmediate(() => nodeEnd.apply(this, args))
      return this
    }
    // A store on a server: the response waits for the write, as a session layer's must.
    committed.then(
      (setCookie) => {
        if (setCookie !== undefined) this.setHeader('set-cookie', setCookie)
        nodeEnd.apply(this, args)
      },
      () => this.destroy(),
    )
    return this
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    // As sessionkit/express does first (src/adapters/express/dictionary-mode.ts): with Express's
    // req and res in dictionary mode the rest of the request costs far less, so the floor does
    // it too, and stays the least work for the same behaviour.
    useDictionaryMode(req, res)
    const loaded = sessions.load(req.headers.cookie)
    const start = (session: FloorSession) => {
      ;(req as unknown as { session: unknown }).session = session.data
      held.set(res, session)
      next()
    }
    if (loaded instanceof Promise) loaded.then(start, next)
    else start(loaded)
  })
}
