/** The IPC messages between the soak test and its server child (soak-server.ts). */

/** What the server reports about itself and its store. */
export interface ServerStats {
  /** Resident set size, bytes. */
  rss: number
  /** V8 heap in use after a full GC, bytes. */
  heapUsed: number
  /** Session records the engine holds, expired or not. */
  records: number
  /** Of those, the ones whose expiresAt is still ahead. */
  live: number
}

export type SoakRequest = { type: 'stats' }

export type SoakResponse =
  | { type: 'ready'; port: number }
  | { type: 'stats'; stats: ServerStats }
  | { type: 'failed'; message: string }
