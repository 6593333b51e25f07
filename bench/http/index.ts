/**
 * The `http` suite: every variant of every group (see variants.ts) under the four scenarios,
 * loaded by autocannon from a child process of its own, each server in a child of its own.
 * Prints one table per scenario and returns the numbers.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunSettings } from './backends/types.js'
import { buildSessionkit } from './build.js'
import { runGroup } from './group.js'
import { startLoadGenerator } from './load-handle.js'
import { renderHttp } from './report.js'
import type { HttpLimits, HttpResults, HttpRow } from './results.js'
import { SCENARIOS } from './scenarios.js'
import { selectGroups } from './variants.js'

export const HTTP_LIMITS: HttpLimits = {
  connections: 50,
  durationMs: 1000,
  rounds: 5,
  // Every variant's server CPU per request keeps falling for about its first three seconds
  // under load (the JIT at work): after a 500 ms warm-up, the first two or three measured
  // rounds were warm-up too, and the larger code paths took longest to settle (bench/README.md,
  // "Rounds").
  warmupMs: 4000,
}

/** A smoke run: every variant, scenario and code path, in about half a minute. */
export const HTTP_QUICK_LIMITS: HttpLimits = {
  connections: 10,
  durationMs: 100,
  rounds: 1,
  warmupMs: 0,
}

/** A run's tag, secret and temp directory (removed by the caller when the run ends). */
export function freshRunSettings(purpose: string): RunSettings {
  return {
    tag: randomBytes(4).toString('hex'),
    // One secret for every variant; 32 bytes, as both sessionkit and @fastify/session want.
    secret: randomBytes(32).toString('base64url'),
    dir: mkdtempSync(join(tmpdir(), `sessionkit-bench-${purpose}-`)),
  }
}

export async function runHttpSuite(
  limits: HttpLimits,
  groupKeys: readonly string[] | null = null,
): Promise<HttpResults> {
  const groups = selectGroups(groupKeys)
  const settings = freshRunSettings('http')
  const { dir } = settings
  const rows: HttpRow[] = []
  // Every server child inherits it (use-build.mjs): sessionkit as published, not through tsx.
  process.stderr.write('http: compiling sessionkit (tsc) for the server children\n')
  process.env.BENCH_BUILD = buildSessionkit()
  const load = await startLoadGenerator()
  try {
    for (const group of groups) {
      rows.push(
        ...(await runGroup(group, load, settings, limits, (line) => {
          process.stderr.write(`${line}\n`)
        })),
      )
    }
  } finally {
    await load.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const results: HttpResults = { limits, rows }
  process.stdout.write(`${renderHttp(results, SCENARIOS)}\n`)
  return results
}
