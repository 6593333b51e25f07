/**
 * What the store does once, on its first operation: learn the server's flavour and bring the
 * schema to {@link MYSQL_SCHEMA_VERSION}. The version is read first without any lock, so
 * re-opening a current database runs no DDL; only when it is behind does the store take a
 * server-wide `GET_LOCK`, read it again (another instance may have migrated meanwhile) and
 * apply the missing migrations.
 * @module
 */

import { StoreError, StoreUnavailableError } from '../core/errors.js'
import type { MysqlSession } from './mysql-connection.js'
import { errorCode, STORE_NAME } from './mysql-driver.js'
import {
  MYSQL_SCHEMA_VERSION,
  metaTableSql,
  mysqlMigrations,
  mysqlTables,
  recordVersionSql,
  SCHEMA_VERSION_KEY,
} from './mysql-schema.js'
import { describeServer, type MysqlFlavour, type ServerInfo } from './mysql-server.js'

/** What {@link prepareServer} needs to know. */
export interface PrepareOptions {
  tablePrefix: string
  migrate: boolean
  queryMs: number
  forcedFlavour: MysqlFlavour | undefined
}

/**
 * The lock name: one per database and prefix, hashed because MySQL caps lock names at 64
 * characters and a database name alone may be that long.
 */
const LOCK_NAME = "CONCAT('sessionkit:', SHA1(CONCAT(COALESCE(DATABASE(), ''), '.', ?)))"

async function readVersion(session: MysqlSession, prefix: string): Promise<number> {
  let rows: Array<{ value: unknown }>
  try {
    rows = await session.rows(
      `SELECT \`value\` FROM ${mysqlTables(prefix).meta} WHERE \`key\` = ?`,
      [SCHEMA_VERSION_KEY],
    )
  } catch (error) {
    if (errorCode(error) === 'ER_NO_SUCH_TABLE') return 0
    throw error
  }
  const value = rows[0]?.value
  if (value === undefined) return 0
  const version = Number(value)
  if (!Number.isInteger(version) || version < 0) {
    throw new StoreError(STORE_NAME, 'the schema version recorded in the meta table is malformed')
  }
  return version
}

function assertNotNewer(version: number): void {
  if (version > MYSQL_SCHEMA_VERSION) {
    throw new StoreError(
      STORE_NAME,
      `the database has schema version ${version}, newer than this sessionkit understands (${MYSQL_SCHEMA_VERSION}); upgrade sessionkit`,
    )
  }
}

async function migrateLocked(session: MysqlSession, prefix: string, queryMs: number) {
  // GET_LOCK waits in whole seconds; the statement's own bound must outlast that wait.
  const waitSeconds = Math.max(1, Math.ceil(queryMs / 1000))
  const [row] = await session.rows<{ got: unknown }>(
    `SELECT GET_LOCK(${LOCK_NAME}, ?) AS got`,
    [prefix, waitSeconds],
    waitSeconds * 1000 + queryMs,
  )
  if (Number(row?.got) !== 1) {
    throw new StoreUnavailableError(
      STORE_NAME,
      'another process is migrating the schema and did not finish in time',
    )
  }
  try {
    const version = await readVersion(session, prefix)
    assertNotNewer(version)
    if (version === MYSQL_SCHEMA_VERSION) return
    await session.command(metaTableSql(prefix))
    for (const steps of mysqlMigrations(prefix).slice(version)) {
      for (const step of steps) await session.command(step)
    }
    await session.command(recordVersionSql(prefix, MYSQL_SCHEMA_VERSION))
  } finally {
    // A broken connection is destroyed, and the server drops its locks with it.
    if (!session.broken) {
      await session.rows(`SELECT RELEASE_LOCK(${LOCK_NAME}) AS released`, [prefix]).catch(() => {})
    }
  }
}

/**
 * Detects the server and checks (with `migrate`, brings up to date) the schema. Throws
 * StoreError when the schema is newer than this code, or missing or old while `migrate` is
 * off.
 */
export async function prepareServer(
  session: MysqlSession,
  options: PrepareOptions,
): Promise<ServerInfo> {
  const [row] = await session.rows<{ version: unknown }>('SELECT VERSION() AS version')
  const server = describeServer(String(row?.version ?? ''), options.forcedFlavour)
  const prefix = options.tablePrefix
  const version = await readVersion(session, prefix)
  assertNotNewer(version)
  if (version === MYSQL_SCHEMA_VERSION) return server
  if (!options.migrate) {
    throw new StoreError(
      STORE_NAME,
      `the schema for table prefix "${prefix}" is at version ${version}, this sessionkit needs ${MYSQL_SCHEMA_VERSION}: apply mysqlSchemaSql() with your migration tool, or set migrate: true`,
    )
  }
  await migrateLocked(session, prefix, options.queryMs)
  return server
}
