/** The soak's one-paragraph report: the figures docs/load-testing.md quotes. */

import type { LoadResult } from './soak-load.js'
import type { ServerStats } from './soak-protocol.js'

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

export interface SoakFigures {
  load: LoadResult
  boot: ServerStats
  warm: ServerStats
  end: ServerStats
  /** The most records the store may hold at the end. */
  allowed: number
  sweepWindow: number
}

export function formatReport(store: string, f: SoakFigures): string {
  const { load, boot, warm, end } = f
  const seconds = load.elapsedMs / 1000
  const ops = Object.entries(load.operations)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ')
  return [
    `soak on ${store}: ${seconds.toFixed(1)} s, ${load.requests} requests, ${(load.requests / seconds).toFixed(0)} req/s, slowest answer ${load.slowestMs.toFixed(0)} ms`,
    `  operations: ${ops}`,
    `  errors ${load.errors}, lost writes ${load.lostWrites}, old IDs alive after regenerate ${load.oldIdsAlive}`,
    `  server RSS: boot ${mib(boot.rss)}, after warm-up ${mib(warm.rss)}, end ${mib(end.rss)} (${end.rss >= warm.rss ? '+' : ''}${mib(end.rss - warm.rss)})`,
    `  server heap after GC: after warm-up ${mib(warm.heapUsed)}, end ${mib(end.heapUsed)}`,
    `  sessions created ${load.sessionsCreated}; at the end: ${end.records} records (${end.live} live), ` +
      `${load.clientsWithSession} clients holding a session, at most ${f.allowed} allowed ` +
      `(those + sessions abandoned in the last ${f.sweepWindow / 1000} s)`,
    ...load.slow.map(
      (slow) =>
        `  slow: ${slow.ms.toFixed(0)} ms, sent at ${slow.sentAt.toFixed(1)} s: ${slow.what}`,
    ),
  ].join('\n')
}
