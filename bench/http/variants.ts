/**
 * The HTTP variants: one tiny app per framework and session backend, all doing the same thing
 * on the same four routes. Variants of one group are measured interleaved and compared with
 * each other; every group's session variants are also compared with their framework's
 * no-session app.
 * @module
 */

export type Framework = 'express' | 'fastify' | 'hono' | 'koa' | 'node'

/** The session layer under test; `none` is the framework alone (the ceiling). */
export type BackendName =
  | 'none'
  | 'none-dictionary'
  | 'none-middleware'
  | 'sk-memory'
  | 'sk-redis'
  | 'sk-postgres'
  | 'sk-sqlite'
  | 'es-memory'
  | 'es-redis'
  | 'es-postgres'
  | 'es-sqlite'
  | 'fastify-session'
  | 'floor'
  | 'floor-redis'
  | 'floor-postgres'
  | 'floor-sqlite'

/**
 * `ceiling`: the framework alone; `floor`: the least work any signed, hashed-at-rest session
 * can do (bench/floor/sessions.ts), the best a session layer could score; `reference`: the
 * framework alone with what a session layer brings beside its session work (Express: req and
 * res in dictionary mode; Hono and Koa: one empty middleware).
 */
export type Role = 'ceiling' | 'reference' | 'sessionkit' | 'peer' | 'floor'

export interface Variant {
  /** Stable id, e.g. `express/sk-memory`: the server child is started with it. */
  id: string
  framework: Framework
  backend: BackendName
  role: Role
  /** How the row reads in the tables, e.g. `express-session + MemoryStore`. */
  label: string
  /** A server the backend needs, checked before the group starts. */
  needs?: { host: string; port: number }
}

export interface Group {
  /** For `--groups=`, e.g. `express-memory`. */
  key: string
  /** e.g. `Express, memory`. */
  name: string
  /** Measured against each other, interleaved. */
  variants: Variant[]
}

const REDIS = { host: '127.0.0.1', port: 6379 }
const POSTGRES = { host: '127.0.0.1', port: 5432 }

function variant(
  framework: Framework,
  backend: BackendName,
  label: string,
  needs?: Variant['needs'],
): Variant {
  const role: Role =
    backend === 'none'
      ? 'ceiling'
      : backend === 'none-dictionary' || backend === 'none-middleware'
        ? 'reference'
        : backend.startsWith('floor')
          ? 'floor'
          : backend.startsWith('sk-')
            ? 'sessionkit'
            : 'peer'
  return { id: `${framework}/${backend}`, framework, backend, role, label, ...(needs && { needs }) }
}

/**
 * The reference row of the Hono and Koa groups: no session, one middleware that does nothing
 * but what any session middleware must (wait for the app, then for the turn's I/O, as
 * sessionkit's and the floor's do). On these two, a middleware costs the framework a path its
 * bare app skips (Hono's compose, a step of Koa's chain).
 */
const EMPTY_MIDDLEWARE = (framework: string) =>
  `${framework}, no session, one empty middleware (reference)`

export const GROUPS: readonly Group[] = [
  {
    key: 'express-memory',
    name: 'Express 5, memory',
    variants: [
      variant('express', 'none', 'Express, no session'),
      variant('express', 'sk-memory', 'sessionkit/express + memory store'),
      variant('express', 'es-memory', 'express-session + MemoryStore'),
      variant('express', 'floor', 'the floor: least secure session work (yardstick)'),
      variant(
        'express',
        'none-dictionary',
        'Express, no session, req and res in dictionary mode (reference)',
      ),
    ],
  },
  {
    key: 'express-redis',
    name: 'Express 5, Redis (node-redis client)',
    variants: [
      variant('express', 'sk-redis', 'sessionkit/express + Redis store', REDIS),
      variant('express', 'es-redis', 'express-session + connect-redis', REDIS),
      variant('express', 'floor-redis', 'the floor on Redis: GET and SET (yardstick)', REDIS),
    ],
  },
  {
    key: 'express-postgres',
    name: 'Express 5, PostgreSQL',
    variants: [
      variant('express', 'sk-postgres', 'sessionkit/express + PostgreSQL store', POSTGRES),
      variant('express', 'es-postgres', 'express-session + connect-pg-simple', POSTGRES),
      variant(
        'express',
        'floor-postgres',
        'the floor on PostgreSQL: SELECT and upsert (yardstick)',
        POSTGRES,
      ),
    ],
  },
  {
    key: 'express-sqlite',
    name: 'Express 5, SQLite',
    variants: [
      variant('express', 'sk-sqlite', 'sessionkit/express + SQLite store'),
      variant('express', 'es-sqlite', 'express-session + better-sqlite3-session-store'),
      variant('express', 'floor-sqlite', 'the floor on SQLite: SELECT and upsert (yardstick)'),
    ],
  },
  {
    key: 'fastify-memory',
    name: 'Fastify 5, memory',
    variants: [
      variant('fastify', 'none', 'Fastify, no session'),
      variant('fastify', 'sk-memory', 'sessionkit/fastify + memory store'),
      variant('fastify', 'fastify-session', '@fastify/session + its memory store'),
    ],
  },
  {
    key: 'hono-memory',
    name: 'Hono (node-server), memory',
    variants: [
      variant('hono', 'none', 'Hono, no session'),
      variant('hono', 'sk-memory', 'sessionkit/hono + memory store'),
      variant('hono', 'floor', 'the floor: least secure session work (yardstick)'),
      variant('hono', 'none-middleware', EMPTY_MIDDLEWARE('Hono')),
    ],
  },
  {
    key: 'koa-memory',
    name: 'Koa 3, memory',
    variants: [
      variant('koa', 'none', 'Koa, no session'),
      variant('koa', 'sk-memory', 'sessionkit/koa + memory store'),
      variant('koa', 'floor', 'the floor: least secure session work (yardstick)'),
      variant('koa', 'none-middleware', EMPTY_MIDDLEWARE('Koa')),
    ],
  },
  {
    key: 'node-memory',
    name: 'node:http, memory',
    variants: [
      variant('node', 'none', 'node:http, no session'),
      variant('node', 'sk-memory', 'sessionkit/node + memory store'),
      variant('node', 'floor', 'the floor: least secure session work (yardstick)'),
    ],
  },
]

/** The groups named by `--groups=` keys (every group for `null`); throws on an unknown key. */
export function selectGroups(keys: readonly string[] | null): readonly Group[] {
  if (keys === null) return GROUPS
  const known = GROUPS.map((group) => group.key)
  const unknown = keys.filter((key) => !known.includes(key))
  if (unknown.length > 0) {
    throw new Error(`unknown http group "${unknown.join(', ')}"; groups: ${known.join(', ')}`)
  }
  return GROUPS.filter((group) => keys.includes(group.key))
}

/** Every variant by id. */
export function findVariant(id: string): Variant | undefined {
  for (const group of GROUPS) {
    const found = group.variants.find((candidate) => candidate.id === id)
    if (found) return found
  }
  return undefined
}
