/**
 * MySQL / MariaDB: sessionkit's MysqlStore beside mysql2 running the store's statements on a
 * pool of the same size (10): a prepared SELECT for get; START TRANSACTION, SELECT … FOR
 * UPDATE, UPDATE, COMMIT on one connection for patch; one UPDATE for touch. No peer is
 * measured. Each run uses tables with a prefix of its own and drops them.
 * @module
 */
import mysql from 'mysql2/promise'
import type { JsonObject, SessionRecord } from '../../src/core/store.js'
import type { Fixture } from './fixture.js'
import { openOrSkip, unreachable } from './server.js'
import type { Opened, Ops, StoreTarget } from './types.js'

const URL = 'mysql://root@127.0.0.1:3306/test'
const POOL_SIZE = 10
const COLUMNS =
  '`data`, `user_id`, `tenant_id`, `ip`, `user_agent`, `created_at`, `updated_at`, `last_seen_at`, `expires_at`'

interface Row extends mysql.RowDataPacket {
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

/** The data column as text, parsed here, as the store does (mysql2 would parse JSON itself). */
const typeCast: mysql.TypeCast = (field, next) =>
  field.name === 'data' ? field.string('utf8') : next()

function toRecord(row: Row): SessionRecord {
  return {
    data: JSON.parse(row.data) as JsonObject,
    userId: row.user_id,
    tenantId: row.tenant_id,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
  }
}

function rawOps(pool: mysql.Pool, table: string, fixture: Fixture): Ops {
  const select = `SELECT ${COLUMNS} FROM ${table} WHERE \`key\` = ? AND \`expires_at\` > ?`
  const lock = `SELECT \`data\` FROM ${table} WHERE \`key\` = ? AND \`expires_at\` > ? FOR UPDATE`
  const update = `UPDATE ${table} SET \`data\` = ?, \`updated_at\` = ?, \`last_seen_at\` = ?, \`expires_at\` = ? WHERE \`key\` = ?`
  const touch = `UPDATE ${table} SET \`last_seen_at\` = ?, \`expires_at\` = ? WHERE \`key\` = ? AND \`expires_at\` > ?`
  return {
    get: async (i) => {
      const [rows] = await pool.execute<Row[]>({ sql: select, typeCast }, [
        fixture.key(i),
        fixture.now,
      ])
      const row = rows[0]
      return row === undefined ? null : toRecord(row)
    },
    patch: async (i) => {
      const key = fixture.key(i)
      const change = fixture.patch(i)
      const connection = await pool.getConnection()
      try {
        await connection.query('START TRANSACTION')
        const [rows] = await connection.execute<Row[]>({ sql: lock, typeCast }, [key, fixture.now])
        const row = rows[0]
        if (row === undefined) {
          await connection.query('ROLLBACK')
          return false
        }
        const data = JSON.parse(row.data) as JsonObject
        Object.assign(data, change.set)
        for (const field of change.remove) delete data[field]
        const { updatedAt, lastSeenAt, expiresAt } = change
        await connection.execute(update, [
          JSON.stringify(data),
          updatedAt,
          lastSeenAt,
          expiresAt,
          key,
        ])
        await connection.query('COMMIT')
        return true
      } catch (error) {
        // Never hand back a connection inside a transaction: its locks would block cleanup.
        await connection.query('ROLLBACK').catch(() => connection.destroy())
        throw error
      } finally {
        connection.release()
      }
    },
    touch: async (i) => {
      const { lastSeenAt, expiresAt } = fixture.times(i)
      const [result] = await pool.execute<mysql.ResultSetHeader>(touch, [
        lastSeenAt,
        expiresAt,
        fixture.key(i),
        fixture.now,
      ])
      return result.affectedRows > 0
    },
  }
}

export const mysqlTarget: StoreTarget = {
  name: 'mysql',
  async open(fixture): Promise<Opened> {
    const down = await unreachable('127.0.0.1', 3306)
    if (down !== null) return { skip: down }
    const prefix = `bench_${fixture.tag}_`
    const store = openOrSkip(`${URL}?tablePrefix=${prefix}`)
    if ('skip' in store) return store
    const pool = mysql.createPool({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      database: 'test',
      connectionLimit: POOL_SIZE,
    })
    const cleanup = async (): Promise<void> => {
      await store.close()
      for (const table of ['sessions', 'tokens', 'meta']) {
        await pool.query(`DROP TABLE IF EXISTS \`${prefix}${table}\``)
      }
      await pool.end()
    }
    try {
      for (const [index, key] of fixture.keys.entries()) {
        await store.set(key, fixture.records[index] as SessionRecord)
      }
    } catch (error) {
      await cleanup()
      throw error
    }
    return {
      sessionkit: {
        get: (i) => store.get(fixture.key(i), fixture.now),
        patch: (i) => store.patch(fixture.key(i), fixture.patch(i), fixture.now),
        touch: (i) => store.touch(fixture.key(i), fixture.times(i), fixture.now),
      },
      raw: rawOps(pool, `\`${prefix}sessions\``, fixture),
      rawName: 'mysql2 pool, same SQL',
      peer: null,
      cleanup,
    }
  },
}
