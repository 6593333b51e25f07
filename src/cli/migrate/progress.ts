/**
 * The migration's progress bar, drawn on a terminal only: logs and pipes get the summary alone.
 * @module
 */

import cliProgress from 'cli-progress'

/** What the copy reports progress to. */
export interface Progress {
  update(done: number): void
  stop(): void
}

const SILENT: Progress = { update: () => {}, stop: () => {} }

/** A bar on `stream` sized to `total`, or a no-op when `enabled` is false. */
export function progressBar(
  enabled: boolean,
  stream: NodeJS.WritableStream,
  total: number,
): Progress {
  if (!enabled) return SILENT
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'migrating |{bar}| {value}/{total} sessions | {eta_formatted} left',
      hideCursor: true,
      etaBuffer: 100,
    },
    cliProgress.Presets.shades_classic,
  )
  let size = total
  bar.start(size, 0)
  return {
    update(done) {
      // The count was taken before the copy; sessions created since make it grow.
      if (done > size) {
        size = done
        bar.setTotal(size)
      }
      bar.update(done)
    },
    stop: () => bar.stop(),
  }
}
