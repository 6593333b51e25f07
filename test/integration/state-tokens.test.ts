/**
 * The state-token promises, on every server-side store that can run here: a token is consumed
 * exactly once however many callers race for it (100 at once, from two store instances as two
 * app servers would), only under its own purpose, never after it expired, and bad input gives
 * null rather than an exception. The raw token never reaches a store, at rest or in a call.
 *
 * Server stores run when their server answers (and fail, instead of skipping, under
 * SESSIONKIT_REQUIRE_SERVICES=1); Redis Cluster runs on a throwaway cluster of local
 * redis-server processes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  consumeMagicLink,
  consumeOAuthState,
  createOAuthState,
  issueMagicLink,
  ManualClock,
  openStore,
  StateTokens,
  type Store,
} from '../../src/index.js'
import { MysqlStore, type MysqlStoreOptions } from '../../src/stores/mysql.js'
import { FORCE_FLAVOUR } from '../../src/stores/mysql-server.js'
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster.js'
import { redisServerInstalled } from '../support/redis-server.js'
import { decideGate, describeWithService, requireService } from '../support/services.js'

const root = mkdtempSync(join(tmpdir(), 'sessionkit-state-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** One place the store keeps its data; `open()` twice gives two instances over that data. */
interface Place {
  open: () => Store
  /** Every byte the store keeps on disk, for the at-rest check. */
  atRest?: () => Buffer[]
}

interface Target {
  name: string
  /** A fresh place (a new folder or database file; the same server for server stores). */
  place: () => Place
  /** Memory holds its data in the instance, so a second instance would not share it. */
  shared: boolean
  /** The store keeps files this test can read: check them for raw tokens. */
  onDisk?: boolean
}

let counter = 0

/** Every file under `dir`, recursively: names and contents. */
function everyFile(dir: string): Buffer[] {
  const out: Buffer[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    out.push(Buffer.from(name))
    if (statSync(path).isDirectory()) out.push(...everyFile(path))
    else out.push(readFileSync(path))
  }
  return out
}

const EMBEDDED: Target[] = [
  {
    name: 'memory',
    place: () => ({ open: () => openStore('memory:?sweepInterval=0') }),
    shared: false,
  },
  {
    name: 'file',
    place: () => {
      const dir = join(root, `files-${counter++}`)
      return { open: () => openStore(`file:${dir}`), atRest: () => everyFile(dir) }
    },
    shared: true,
    onDisk: true,
  },
  {
    name: 'sqlite',
    place: () => {
      const dir = join(root, `db-${counter++}`)
      return {
        open: () => openStore(`sqlite:${join(dir, 'state.db')}`),
        // The database file with its -wal and -shm companions.
        atRest: () => everyFile(dir),
      }
    },
    shared: true,
    onDisk: true,
  },
]

/** A table or key prefix of this file's own, so it never meets another suite's schema. */
const NAMESPACE = 'sk_state_test_'
const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test'

const SERVERS: Array<Target & { service: string; port: number; scheme: string }> = [
  {
    name: 'postgres',
    scheme: 'postgres',
    service: 'PostgreSQL',
    port: 5432,
    place: () => ({
      open: () => openStore(`postgres://postgres@127.0.0.1:5432/test?tablePrefix=${NAMESPACE}`),
    }),
    shared: true,
  },
  {
    name: 'mysql',
    scheme: 'mysql',
    service: 'MySQL/MariaDB',
    port: 3306,
    place: () => ({ open: () => openStore(`${MYSQL_URL}?tablePrefix=${NAMESPACE}`) }),
    shared: true,
  },
  {
    // The CI server is MariaDB, which consumes with DELETE … RETURNING; this runs the MySQL 8
    // path (a transaction with SELECT … FOR UPDATE) against it too.
    name: 'mysql (MySQL 8 transaction path)',
    scheme: 'mysql',
    service: 'MySQL/MariaDB',
    port: 3306,
    place: () => ({
      open: () =>
        new MysqlStore({
          url: MYSQL_URL,
          tablePrefix: NAMESPACE,
          [FORCE_FLAVOUR]: 'mysql',
        } as MysqlStoreOptions),
    }),
    shared: true,
  },
  {
    name: 'redis',
    scheme: 'redis',
    service: 'Redis',
    port: 6379,
    place: () => ({ open: () => openStore(`redis://127.0.0.1:6379?prefix=${NAMESPACE}`) }),
    shared: true,
  },
]

/**
 * Records every argument of every store call, so a test can show the raw token never reached
 * the store, whatever the engine. Methods run on the real store (they use private fields).
 */
function recording(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = []
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push(`${String(property)} ${JSON.stringify(args)}`)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: proxy, calls }
}

const MALFORMED: unknown[] = [
  '',
  'x',
  'a'.repeat(10_000),
  '../../',
  '../../../etc/passwd',
  'ünïcödé-🎉',
  'é'.repeat(43),
  "' OR 1=1 --",
  '*',
  null,
  undefined,
  { $ne: null },
]

function stateTokenCases(target: Target): void {
  const opened: Store[] = []
  /** Opens a store at `place` and closes it after the suite. */
  const open = (place: Place): Store => {
    const store = place.open()
    opened.push(store)
    return store
  }
  afterAll(async () => {
    // Server stores outlive the run: sweep the expired tokens earlier runs left behind.
    const [first] = opened
    if (first?.capabilities.cleanup) await first.cleanup?.(Date.now())
    await Promise.all(opened.map((store) => store.close()))
  })

  it('of 100 concurrent consumes of one token, exactly one gets the payload', async () => {
    const place = target.place()
    const first = new StateTokens({ store: open(place) })
    // Two instances over the same data, as two app servers would have.
    const second = target.shared ? new StateTokens({ store: open(place) }) : first
    for (let round = 0; round < 3; round++) {
      const payload = { round, returnTo: '/cart', verifier: 'v'.repeat(43) }
      const token = await first.issue({ purpose: 'oauth', payload })
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? second : first).consume(token, 'oauth')),
      )
      expect(results.filter((result) => result !== null)).toEqual([payload])
      expect(results.filter((result) => result === null)).toHaveLength(99)
      expect(await first.consume(token, 'oauth')).toBeNull()
    }
  })

  it('refuses a token under another purpose, which stays consumable under its own', async () => {
    const tokens = new StateTokens({ store: open(target.place()) })
    const token = await tokens.issue({ purpose: 'magic-link', payload: { userId: 'u-1' } })
    expect(await tokens.consume(token, 'oauth')).toBeNull()
    expect(await tokens.consume(token, 'email-confirm')).toBeNull()
    expect(await tokens.consume(token, 'magic-link')).toEqual({ userId: 'u-1' })
    expect(await tokens.consume(token, 'magic-link')).toBeNull()
  })

  it('refuses an expired token', async () => {
    const clock = new ManualClock(Date.now())
    const tokens = new StateTokens({ store: open(target.place()), clock })
    const token = await tokens.issue({ purpose: 'p', ttl: '1m' })
    const later = await tokens.issue({ purpose: 'p', ttl: '2m' })
    clock.advance(60_000)
    expect(await tokens.consume(token, 'p')).toBeNull()
    expect(await tokens.consume(later, 'p')).toEqual({})
  })

  it('gives null, never an exception, for unknown and malformed tokens', async () => {
    const tokens = new StateTokens({ store: open(target.place()) })
    const real = await tokens.issue({ purpose: 'p' })
    expect(await tokens.consume('A'.repeat(43), 'p')).toBeNull()
    for (const token of MALFORMED) {
      await expect(tokens.consume(token, 'p')).resolves.toBeNull()
    }
    expect(await tokens.consume(real, 'p')).toEqual({})
  })

  it('never hands the raw token to the store', async () => {
    const { store, calls } = recording(open(target.place()))
    const tokens = new StateTokens({ store })
    const issued = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tokens.issue({ purpose: 'p', payload: { i } })),
    )
    for (const token of issued.slice(5)) await tokens.consume(token, 'p')
    expect(calls.length).toBe(15)
    for (const token of issued) {
      for (const call of calls) expect(call).not.toContain(token)
    }
  })

  it('runs an OAuth state and a magic link through the store once each', async () => {
    const tokens = new StateTokens({ store: open(target.place()) })
    const auth = await createOAuthState(tokens, { binding: 'sid', returnTo: '/after' })
    const flows = await Promise.all(
      Array.from({ length: 20 }, () => consumeOAuthState(tokens, auth.state, { binding: 'sid' })),
    )
    expect(flows.filter((flow) => flow !== null)).toEqual([
      { codeVerifier: auth.codeVerifier, returnTo: '/after', extra: {} },
    ])
    const link = await issueMagicLink(tokens, { email: 'ada@example.com' })
    expect((await consumeMagicLink(tokens, link))?.email).toBe('ada@example.com')
    expect(await consumeMagicLink(tokens, link)).toBeNull()
  })

  if (target.onDisk) {
    it('keeps no raw token anywhere on disk', async () => {
      const place = target.place()
      const tokens = new StateTokens({ store: open(place) })
      const issued = await Promise.all(
        Array.from({ length: 20 }, (_, i) => tokens.issue({ purpose: 'p', payload: { i } })),
      )
      for (const token of issued.slice(10)) await tokens.consume(token, 'p')
      const files = place.atRest?.() ?? []
      expect(files.length).toBeGreaterThan(0)
      for (const bytes of files) {
        for (const token of issued) expect(bytes.includes(token)).toBe(false)
      }
    })
  }
}

describe.each(EMBEDDED)('state tokens on the $name store', (target) => {
  stateTokenCases(target)
})

for (const target of SERVERS) {
  const gate = await requireService(target.service, '127.0.0.1', target.port)
  describeWithService(gate, `state tokens on the ${target.name} store`, () => {
    stateTokenCases(target)
  })
}

// A throwaway three-master cluster on free ports, so tokens hash to slots on different nodes.
const clusterGate = decideGate(
  'redis-server (for a throwaway Redis Cluster)',
  redisServerInstalled(),
)
describeWithService(clusterGate, 'state tokens on the redis-cluster store', () => {
  let cluster: RedisClusterHandle | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  // Registered before the cases' own afterAll, so it runs after their stores are closed.
  afterAll(async () => {
    await cluster?.stop()
  })
  stateTokenCases({
    name: 'redis-cluster',
    shared: true,
    place: () => {
      if (cluster === undefined) throw new Error('the test cluster did not start')
      const url = `${cluster.url}?prefix=${NAMESPACE}`
      return { open: () => openStore(url) }
    },
  })
})
