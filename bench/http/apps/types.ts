/**
 * What every bench app module provides: a server on 127.0.0.1 serving the four scenario
 * routes and the stats route, over the backend it is given (none for the ceiling).
 * @module
 */
import type { Backend, RunSettings } from '../backends/types.js'
import type { BackendName } from '../variants.js'

export interface Listening {
  port: number
  close(): Promise<void>
}

/** Starts the app on 127.0.0.1, on a free port. */
export type StartApp = (
  backend: Backend | null,
  settings: RunSettings,
  /** The stats body; counting records can be slow, so only when asked (`?records`). */
  stats: (withRecords: boolean) => Promise<string>,
  /** The variant's backend name: a no-session variant may ask for more than null says. */
  backendName: BackendName,
) => Promise<Listening>
