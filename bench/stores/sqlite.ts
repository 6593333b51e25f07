/**
 * SQLite: sessionkit's SqliteStore beside better-sqlite3 running the store's own statements
 * on the same connection (WAL, synchronous=NORMAL, as the store sets up its own): a SELECT for
 * get; BEGIN IMMEDIATE, SELECT, UPDATE of the row for patch; one UPDATE for touch. The data
 * column is JSON text, parsed and re-stringified as the store must. No peer: there is no
 * express-session SQLite store in common use to compare with.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { JsonObject, SessionRecord } from '../../src/core/store.js'
import { SqliteStore } from '../../src/stores/sqlite.js'
import type { Fixture } from './fixture.js'
import type { Opened, Ops, StoreTarget } from './types.js'

const COLUMNS =
  'data, user_id, tenant_id, ip, user_agent, created_at, updated_at, last_seen_at, expires_at'

interface Row {
  data: string
  user_id: string | null
  tenant_id: string | null
  ip: string | null
  user_agent: string | null
  created_at: number
  updated_at: number
  last_seen_at: number
  expires_at: number
}

function toRecord(row: Row): SessionRecord {
  return {
    data: JSON.parse(row.data) as JsonObject,
    userId: row.user_id,
    tenantId: row.tenant_id,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  }
}

function rawStatements(db: Database.Database, table: string, fixture: Fixture): Ops {
  const select = db.prepare<[string, number], Row>(
    `SELECT ${COLUMNS} FROM ${table} WHERE key = ? AND expires_at > ?`,
  )
  const update = db.prepare(
    `UPDATE ${table} SET data = ?, user_id = ?, tenant_id = ?, ip = ?, user_agent = ?,
       created_at = ?, updated_at = ?, last_seen_at = ?, expires_at = ? WHERE key = ?`,
  )
  const touch = db.prepare(
    `UPDATE ${table} SET last_seen_at = ?, expires_at = ? WHERE key = ? AND expires_at > ?`,
  )
  const patch = db.transaction((i: number): boolean => {
    const key = fixture.key(i)
    const row = select.get(key, fixture.now)
    if (row === undefined) return false
    const change = fixture.patch(i)
    const data = JSON.parse(row.data) as JsonObject
    Object.assign(data, change.set)
    for (const field of change.remove) delete data[field]
    update.run(
      JSON.stringify(data),
      row.user_id,
      row.tenant_id,
      row.ip,
      row.user_agent,
      row.created_at,
      change.updatedAt,
      change.lastSeenAt,
      change.expiresAt,
      key,
    )
    return true
  })
  return {
    get: (i) => {
      const row = select.get(fixture.key(i), fixture.now)
      return row === undefined ? null : toRecord(row)
    },
    patch: (i) => patch.immediate(i),
    touch: (i) => {
      const { lastSeenAt, expiresAt } = fixture.times(i)
      return touch.run(lastSeenAt, expiresAt, fixture.key(i), fixture.now).changes > 0
    },
  }
}

export const sqliteTarget: StoreTarget = {
  name: 'sqlite',
  async open(fixture): Promise<Opened> {
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-sqlite-'))
    const db = new Database(join(dir, 'sessions.db'), { timeout: 5000 })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const tablePrefix = `bench_${fixture.tag}_`
    const store = new SqliteStore({ database: db, tablePrefix })
    for (const [index, key] of fixture.keys.entries()) {
      await store.set(key, fixture.records[index] as SessionRecord)
    }
    return {
      sessionkit: {
        get: (i) => store.get(fixture.key(i), fixture.now),
        patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
        touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
      },
      raw: rawStatements(db, `"${tablePrefix}sessions"`, fixture),
      rawName: 'better-sqlite3, same SQL',
      peer: null,
      cleanup: async () => {
        await store.close()
        db.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}
