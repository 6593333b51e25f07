/**
 * SIGKILL mid-write. For each persistent store a child process writes in concurrent loops
 * (new sessions, and patches of one shared session) and is killed with SIGKILL at a random
 * moment, many times over. After every kill the store must open cleanly and hold every write
 * the child acknowledged, with exactly the data acknowledged; the last one is checked again
 * against everything acknowledged by all runs, and the store must still take writes.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { generateId, hashId } from '../../src/core/ids.js'
import type { JsonValue, SessionRecord, Store } from '../../src/core/store.js'
import { openStore } from '../../src/stores/open-store.js'
import { spawnTsx } from './support/child.js'
import { faultSeed, seededRandom } from './support/seeded.js'
import { persistentTargets } from './support/store-targets.js'

const WRITER = 'test/reliability/fixtures/store-writer.ts'
/**
 * Kills per store: enough random moments to land in every phase of a write, few enough to keep
 * the file within its budget (each run pays a child start-up of about a second). The embedded
 * stores, whose files the kill can actually leave half-written, get more.
 */
const KILLS: Record<string, number> = { file: 12, sqlite: 12, postgres: 10, mariadb: 10, redis: 10 }
/** A kill lands this long (uniformly random) after the writer's first acknowledged write. */
const MAX_DELAY_MS = 400

const targets = await persistentTargets()
const seed = faultSeed()

function record(now: number): SessionRecord {
  return {
    data: {},
    userId: null,
    tenantId: null,
    ip: null,
    userAgent: 'sigkill-setup',
    createdAt: now,
    updatedAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
  }
}

/** The acknowledged writes in a killed writer's output (complete lines only). */
function parseAcks(lines: readonly string[]) {
  const sets = new Map<string, SessionRecord>()
  const patches = new Map<string, JsonValue>()
  for (const line of lines) {
    const [kind, name] = line.split(' ', 2)
    if (kind === undefined || name === undefined) continue
    const json = line.slice(kind.length + name.length + 2)
    if (kind === 'set') sets.set(name, JSON.parse(json) as SessionRecord)
    else if (kind === 'patch') patches.set(name, JSON.parse(json) as JsonValue)
  }
  return { sets, patches }
}

async function expectAllThere(
  store: Store,
  shared: string,
  sets: ReadonlyMap<string, SessionRecord>,
  patches: ReadonlyMap<string, JsonValue>,
  context: string,
): Promise<void> {
  const now = Date.now()
  // Read in parallel batches: a few thousand sequential round trips would dominate the runtime.
  const entries = [...sets]
  for (let start = 0; start < entries.length; start += 50) {
    const batch = entries.slice(start, start + 50)
    const found = await Promise.all(batch.map(([key]) => store.get(key, now)))
    for (const [i, [key, written]] of batch.entries()) {
      expect(found[i], `${context}: acknowledged set ${key}`).toEqual(written)
    }
  }
  const sharedData = (await store.get(shared, now))?.data
  expect(sharedData, `${context}: the shared session`).toBeDefined()
  for (const [name, value] of patches) {
    expect(sharedData?.[name], `${context}: acknowledged patch ${name}`).toEqual(value)
  }
}

/**
 * Every record in the store is whole: the shared session, or one the writer wrote (equal to its
 * acknowledgement when it has one). A write the kill caught after it completed but before its
 * acknowledgement may be there; a half-written one may not. For the file store, every record
 * file must also be one of those records. Returns how many unacknowledged records there were.
 */
async function expectOnlyWholeRecords(
  store: Store,
  shared: string,
  sets: ReadonlyMap<string, SessionRecord>,
  url: string,
): Promise<number> {
  if (store.entries === undefined) return 0
  let count = 0
  for await (const { key, record } of store.entries(Date.now())) {
    count++
    if (key === shared) continue
    expect(record.userAgent, key).toMatch(/^store-writer [0-9a-f]{8}$/)
    const acknowledged = sets.get(key)
    if (acknowledged !== undefined) expect(record, key).toEqual(acknowledged)
  }
  expect(count).toBeGreaterThanOrEqual(sets.size + 1)
  if (url.startsWith('file:')) {
    const files = await readdir(join(url.slice('file:'.length), 'sessions'))
    // Temp files (dot-prefixed) are the kill's leftovers, removed by cleanup; the rest must read.
    expect(files.filter((name) => !name.startsWith('.')).length).toBe(count)
  }
  return count - sets.size - 1
}

// The stores run side by side: each run waits mostly on a child's start-up, so in parallel the
// file takes about as long as its slowest store instead of the sum of all five.
describe.concurrent('SIGKILL mid-write', () => {
  for (const target of targets) {
    const kills = KILLS[target.name] ?? 10
    const name = `${target.name}: keeps every acknowledged write, exactly, across ${kills} kills at random moments`
    if (!target.gate.run) {
      it.skip(`${target.name}: ${target.gate.skipReason}`, () => {})
      continue
    }
    it(name, async () => {
      const random = seededRandom(seed + target.name.length)
      const namespace = await target.namespace('sigkill')
      const shared = hashId(generateId())
      const allSets = new Map<string, SessionRecord>()
      const allPatches = new Map<string, JsonValue>()
      const delays: number[] = []
      let kill: (() => void) | undefined
      let unacknowledged = 0
      try {
        const setup = openStore(namespace.url)
        await setup.set(shared, record(Date.now()))
        await setup.close()

        for (let run = 0; run < kills; run++) {
          const writer = spawnTsx(WRITER, [namespace.url, shared])
          kill = () => writer.process.kill('SIGKILL')
          // The random delay starts at the first acknowledged write, so that every run has
          // written something and a slow start-up on a busy machine does not eat the window.
          await writer.waitForLine((line) => line.startsWith('set '), 30_000)
          const delay = Math.floor(random() * MAX_DELAY_MS)
          delays.push(delay)
          await sleep(delay)
          writer.process.kill('SIGKILL')
          const { signal } = await writer.exit
          expect(signal, writer.stderr()).toBe('SIGKILL')

          const { sets, patches } = parseAcks(writer.lines)
          for (const [key, value] of sets) allSets.set(key, value)
          for (const [name, value] of patches) allPatches.set(name, value)
          // A fresh store instance, as a restarted app would open it.
          const reopened = openStore(namespace.url)
          try {
            const context = `run ${run} (killed ${delay} ms after its first write, seed ${seed})`
            await expectAllThere(reopened, shared, sets, allPatches, context)
          } finally {
            await reopened.close()
          }
        }

        if (target.name === 'sqlite') {
          const path = namespace.url.slice('sqlite:'.length)
          const db = new Database(path, { readonly: true })
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
          db.close()
        }
        const final = openStore(namespace.url)
        try {
          await expectAllThere(final, shared, allSets, allPatches, `after all runs (seed ${seed})`)
          unacknowledged = await expectOnlyWholeRecords(final, shared, allSets, namespace.url)
          // And it carries on: a new session, and a patch of the session the writers shared.
          const now = Date.now()
          const fresh = hashId(generateId())
          await final.set(fresh, record(now))
          expect(await final.get(fresh, now)).toEqual(record(now))
          const patch = {
            set: { after: 'kills' },
            remove: [],
            updatedAt: now,
            lastSeenAt: now,
            expiresAt: now + 60_000,
          }
          expect(await final.patch(shared, patch, now)).toBe(true)
          expect((await final.get(shared, now))?.data.after).toBe('kills')
        } finally {
          await final.close()
        }
        // Every run wrote something (the delay starts at its first write), or the kills proved
        // nothing.
        expect(allSets.size).toBeGreaterThanOrEqual(kills)
        expect(allPatches.size).toBeGreaterThan(0)
        console.info(
          `[sigkill ${target.name}] ${unacknowledged} more writes had completed but were killed before their acknowledgement, each whole`,
        )
        console.info(
          `[sigkill ${target.name}] ${kills} kills at ${Math.min(...delays)}–${Math.max(...delays)} ms after the first write (seed ${seed}): ${allSets.size} acknowledged sets and ${allPatches.size} acknowledged patches, all there with their exact data`,
        )
      } finally {
        kill?.()
        await namespace.drop()
      }
    })
  }
})
