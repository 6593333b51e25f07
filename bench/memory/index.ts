/**
 * The `memory` suite: sessionkit's memory store and express-session's MemoryStore, each
 * holding the same sessions in a fresh child process, RSS and heapUsed read after a full GC
 * before and after filling the store.
 * @module
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { printTable } from '../table.js'
import type { MemoryRow, MemorySample } from './types.js'

export const MEMORY_SESSIONS = 100_000
export const MEMORY_QUICK_SESSIONS = 5_000

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const IMPLEMENTATIONS = [
  { id: 'sessionkit', name: 'sessionkit memory store (SHA-256 keys, record with metadata)' },
  { id: 'express-session', name: 'express-session MemoryStore (JSON strings)' },
] as const

/** Filling 100,000 sessions takes seconds; a child that takes longer is killed. */
const CHILD_MS = 120_000

function measureChild(id: string, sessions: number): Promise<MemorySample> {
  const script = fileURLToPath(new URL('./child.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', script, id, String(sessions)],
      // `--import tsx` resolves from the working directory: the repository's, wherever we run.
      { cwd: ROOT, timeout: CHILD_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${id}: ${stderr.trim() || error.message}`))
          return
        }
        const line = stdout.trim().split('\n').pop() ?? ''
        try {
          resolve(JSON.parse(line) as MemorySample)
        } catch {
          reject(new Error(`${id}: unreadable output ${JSON.stringify(line)}`))
        }
      },
    )
  })
}

const MB = 1024 * 1024

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(1)
}

/** The suite's table. */
export function memoryTableRows(rows: MemoryRow[]): string[][] {
  return rows.map(({ name, sample }) => {
    if ('error' in sample) return [name, `error: ${sample.error}`, '—', '—', '—', '—']
    const rss = sample.rssAfter - sample.rssBefore
    const heap = sample.heapUsedAfter - sample.heapUsedBefore
    return [
      name,
      sample.sessions.toLocaleString('en-US'),
      megabytes(rss),
      megabytes(heap),
      String(Math.round(heap / sample.sessions)),
      megabytes(sample.rssAfter),
    ]
  })
}

export const MEMORY_HEADERS = [
  'store',
  'sessions',
  'RSS added (MB)',
  'heapUsed added (MB)',
  'heap bytes / session',
  'RSS total (MB)',
]

export function memoryTitle(sessions: number): string {
  return `#### memory: ${sessions.toLocaleString('en-US')} sessions, each store in a fresh process, after a full GC`
}

export async function runMemorySuite(sessions: number): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = []
  for (const { id, name } of IMPLEMENTATIONS) {
    try {
      rows.push({ name, sample: await measureChild(id, sessions) })
    } catch (error) {
      rows.push({ name, sample: { error: error instanceof Error ? error.message : String(error) } })
    }
  }
  printTable(memoryTitle(sessions), MEMORY_HEADERS, memoryTableRows(rows))
  return rows
}
