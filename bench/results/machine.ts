/**
 * Where and with what a run happened: the machine, its load, node, and the versions of the
 * peers and drivers installed (read from their package.json in node_modules).
 * @module
 */
import { readFileSync } from 'node:fs'
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Packages whose versions matter to the numbers. */
export const PACKAGES = [
  'express',
  'express-session',
  'connect-redis',
  'connect-pg-simple',
  'better-sqlite3-session-store',
  'fastify',
  '@fastify/session',
  '@fastify/cookie',
  'hono',
  '@hono/node-server',
  'koa',
  'iron-session',
  'autocannon',
  'redis',
  'ioredis',
  'pg',
  'mysql2',
  'better-sqlite3',
] as const

export function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as {
      version?: unknown
    }
    return typeof json.version === 'string' ? json.version : '?'
  } catch {
    return 'not installed'
  }
}

export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
}

export function machineLines(): string[] {
  const list = cpus()
  return [
    `${list.length} CPU(s), ${list[0]?.model ?? 'unknown'}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `${platform()} ${release()} ${arch()}, node ${process.version}`,
  ]
}
