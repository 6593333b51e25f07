/**
 * What one memory measurement reports, in bytes.
 * @module
 */
export interface MemorySample {
  sessions: number
  rssBefore: number
  rssAfter: number
  heapUsedBefore: number
  heapUsedAfter: number
}

/** One implementation's sample, or why there is none. */
export interface MemoryRow {
  name: string
  sample: MemorySample | { error: string }
}
