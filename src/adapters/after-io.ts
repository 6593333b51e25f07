/**
 * The wait that lets a fetch-style response (Hono, withSession, Koa) go out after the I/O of
 * the event loop's turn, as the node adapters' held responses do (see releaseAfterIo in
 * node-gate.ts): responses written together wake their clients less often, which over loopback
 * costs the server less CPU per request. Undefined where the runtime has no setImmediate
 * (workers): there the response goes out at once.
 * @module
 */
export const afterIo: (() => Promise<void>) | undefined =
  typeof setImmediate === 'function'
    ? () => new Promise<void>((resolve) => setImmediate(resolve))
    : undefined
