/**
 * Every statement the PostgreSQL store runs, as text with numbered parameters. Each operation
 * is one statement, so each is atomic on its own: no read-modify-write in JavaScript.
 * @module
 */

import { SESSION_SELECT } from './postgres-rows.js'
import type { PostgresTables } from './postgres-schema.js'

/** The statement texts for one set of tables. */
export interface PostgresStatements {
  get: string
  set: string
  patch: string
  touch: string
  destroy: string
  listByUser: string
  destroyByUser: string
  destroyByUserExcept: string
  cleanupSessions: string
  cleanupTokens: string
  page: string
  putToken: string
  consumeToken: string
}

/**
 * Deletes up to `$2` rows with `expires_at <= $1`. SKIP LOCKED lets instances that clean up at
 * the same time take different rows instead of queueing on each other. The outer condition is
 * checked again on the row as it is when deleted, so a touch that extended a session after the
 * inner SELECT read it keeps that session alive.
 */
function cleanupSql(table: string): string {
  return `DELETE FROM ${table} WHERE key IN (
  SELECT key FROM ${table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED
) AND expires_at <= $1`
}

/** Builds the statements for `tables`. */
export function postgresStatements(tables: PostgresTables): PostgresStatements {
  const { sessions, tokens } = tables
  return {
    get: `SELECT ${SESSION_SELECT} FROM ${sessions} WHERE key = $1 AND expires_at > $2`,
    set: `INSERT INTO ${sessions}
  (key, data, user_id, tenant_id, ip, user_agent, created_at, updated_at, last_seen_at, expires_at)
VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, user_id = EXCLUDED.user_id,
  tenant_id = EXCLUDED.tenant_id, ip = EXCLUDED.ip, user_agent = EXCLUDED.user_agent,
  created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
  last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at`,
    // One statement: the row lock serializes concurrent patches, and under READ COMMITTED a
    // patch that waited re-evaluates `data || …` on the row as the previous one left it, so
    // patches of different keys never clobber each other. A metadata field changes only when
    // its flag says it was given, so null can clear a field and absence leaves it alone.
    patch: `UPDATE ${sessions} SET
  data = (data || $2::jsonb) - $3::text[],
  user_id = CASE WHEN $4::boolean THEN $5::text ELSE user_id END,
  tenant_id = CASE WHEN $6::boolean THEN $7::text ELSE tenant_id END,
  ip = CASE WHEN $8::boolean THEN $9::text ELSE ip END,
  user_agent = CASE WHEN $10::boolean THEN $11::text ELSE user_agent END,
  updated_at = $12, last_seen_at = $13, expires_at = $14
WHERE key = $1 AND expires_at > $15`,
    touch: `UPDATE ${sessions} SET last_seen_at = $2, expires_at = $3 WHERE key = $1 AND expires_at > $4`,
    destroy: `DELETE FROM ${sessions} WHERE key = $1`,
    listByUser: `SELECT key, ${SESSION_SELECT} FROM ${sessions} WHERE user_id = $1 AND expires_at > $2`,
    destroyByUser: `DELETE FROM ${sessions} WHERE user_id = $1`,
    destroyByUserExcept: `DELETE FROM ${sessions} WHERE user_id = $1 AND key <> $2`,
    cleanupSessions: cleanupSql(sessions),
    cleanupTokens: cleanupSql(tokens),
    page: `SELECT key, ${SESSION_SELECT} FROM ${sessions}
WHERE key > $1 AND expires_at > $2 ORDER BY key LIMIT $3`,
    putToken: `INSERT INTO ${tokens} (key, value, expires_at) VALUES ($1, $2::jsonb, $3)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
    // One statement: of any number of concurrent consumers, the row lock lets exactly one
    // delete the row; the others find it gone and get no row back.
    consumeToken: `DELETE FROM ${tokens} WHERE key = $1 AND expires_at > $2 RETURNING value::text AS value`,
  }
}
