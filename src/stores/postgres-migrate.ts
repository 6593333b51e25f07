/**
 * Bringing the schema to {@link POSTGRES_SCHEMA_VERSION} on first use, or, with
 * `migrate: false`, checking that someone else did.
 * @module
 */

import type { Pool } from 'pg'
import { StoreError } from '../core/errors.js'
import { type ClientQuery, type Timeouts, withClient } from './postgres-driver.js'
import { POSTGRES_STORE_NAME, sqlState } from './postgres-errors.js'
import {
  metaTableSql,
  migrationLockKey,
  POSTGRES_SCHEMA_VERSION,
  type PostgresTables,
  postgresMigrations,
  SCHEMA_VERSION_KEY,
  upsertVersionSql,
} from './postgres-schema.js'

/** undefined_table, invalid_schema_name: nothing has been created yet. */
const NOT_CREATED = new Set(['42P01', '3F000'])

async function selectVersion(query: ClientQuery, tables: PostgresTables): Promise<number> {
  const result = await query<{ value: string }>(`SELECT value FROM ${tables.meta} WHERE key = $1`, [
    SCHEMA_VERSION_KEY,
  ])
  const value = result.rows[0]?.value
  if (value === undefined) return 0
  const version = Number(value)
  if (!Number.isInteger(version) || version < 0) {
    throw new StoreError(
      POSTGRES_STORE_NAME,
      'the schema version recorded in the meta table is malformed',
    )
  }
  return version
}

function refuseNewer(version: number): void {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new StoreError(
      POSTGRES_STORE_NAME,
      `the database has schema version ${version}, newer than this sessionkit understands (${POSTGRES_SCHEMA_VERSION}); upgrade sessionkit`,
    )
  }
}

/** The recorded version, 0 when the meta table (or the schema) does not exist yet. */
async function currentVersion(query: ClientQuery, tables: PostgresTables): Promise<number> {
  try {
    return await selectVersion(query, tables)
  } catch (error) {
    const state = sqlState(error)
    if (state !== undefined && NOT_CREATED.has(state)) return 0
    throw error
  }
}

/**
 * Applies the missing migrations in one transaction under a transaction-scoped advisory lock:
 * instances that start together queue on the lock, and each one reads the version again once
 * it holds it, so the steps run once. A failure anywhere discards the connection, which rolls
 * the whole transaction back (and releases the lock).
 */
async function applyMigrations(query: ClientQuery, tables: PostgresTables): Promise<void> {
  await query('BEGIN')
  await query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(tables)])
  const schema = await query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tables.schema])
  // IF NOT EXISTS would still demand the CREATE privilege on the database (even for public).
  if (schema.rowCount === 0) await query(`CREATE SCHEMA "${tables.schema}"`)
  const meta = await query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    tables.meta,
  ])
  if (meta.rows[0]?.present !== true) await query(metaTableSql(tables))
  const version = await selectVersion(query, tables)
  refuseNewer(version)
  if (version < POSTGRES_SCHEMA_VERSION) {
    for (const steps of postgresMigrations(tables).slice(version)) {
      for (const step of steps) await query(step)
    }
    await query(upsertVersionSql(tables), [SCHEMA_VERSION_KEY, String(POSTGRES_SCHEMA_VERSION)])
  }
  await query('COMMIT')
}

/**
 * Makes sure the schema is at {@link POSTGRES_SCHEMA_VERSION}. The version is read first
 * without a transaction or a lock, so re-opening a current database writes nothing, runs no
 * DDL and never waits for another instance. With `migrate: false` a missing or older schema
 * is a StoreError that says what to apply.
 */
export async function preparePostgresSchema(
  pool: Pool,
  timeouts: Timeouts,
  tables: PostgresTables,
  migrate: boolean,
): Promise<void> {
  const version = await withClient(pool, timeouts, (query) => currentVersion(query, tables))
  refuseNewer(version)
  if (version === POSTGRES_SCHEMA_VERSION) return
  if (!migrate) {
    throw new StoreError(
      POSTGRES_STORE_NAME,
      version === 0
        ? `the tables are not there (schema "${tables.schema}", prefix "${tables.prefix}"): apply postgresSchemaSql() with your migration tool, or use migrate: true`
        : `the schema is at version ${version}, this sessionkit needs ${POSTGRES_SCHEMA_VERSION}: apply postgresSchemaSql({ fromVersion: ${version} }), or use migrate: true`,
    )
  }
  await withClient(pool, timeouts, (query) => applyMigrations(query, tables), {
    discardOnError: true,
  })
}
