/**
 * The MySQL / MariaDB store's schema and its migrations. One DDL text serves both servers:
 * MariaDB reads `JSON` as `LONGTEXT` with a `JSON_VALID` check, MySQL as its binary JSON type.
 * The store applies the missing migrations under `GET_LOCK` and records the version in
 * `<prefix>meta`; {@link mysqlSchemaSql} gives the same SQL to users who run their own
 * migration tool.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'

/** The table names for one prefix, already quoted for SQL. */
export interface MysqlTables {
  sessions: string
  tokens: string
  meta: string
}

/**
 * Letters, digits and `_`, starting with a letter or `_`, at most 48 characters: the longest
 * table name (`<prefix>sessions`) then stays under MySQL's 64-character limit, and the prefix
 * never needs escaping inside backticks.
 */
export const MYSQL_TABLE_PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/

/** The table names for `prefix`, quoted with backticks. The prefix is validated before use. */
export function mysqlTables(prefix: string): MysqlTables {
  return {
    sessions: `\`${prefix}sessions\``,
    tokens: `\`${prefix}tokens\``,
    meta: `\`${prefix}meta\``,
  }
}

/** The row of `<prefix>meta` that holds the schema version. */
export const SCHEMA_VERSION_KEY = 'schema_version'

/** Store keys are base64url hashes: ASCII, compared byte for byte (case-sensitive). */
const KEY_COLUMN = 'VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL'
/** Free text compared exactly, so `Alice` and `alice` stay two users. */
const TEXT_COLUMN = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL'
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'

/**
 * The meta table, created before any migration runs so the version can be read. A table of
 * its own per prefix, so two prefixes in one database migrate independently.
 */
export function metaTableSql(prefix: string): string {
  const { meta } = mysqlTables(prefix)
  return `CREATE TABLE IF NOT EXISTS ${meta} (
  \`key\` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  \`value\` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (\`key\`)
) ${TABLE_OPTIONS}`
}

/**
 * Migration `i` (0-based) takes the schema from version `i` to `i + 1`. Append only: never
 * edit a step that has shipped. MySQL commits DDL implicitly, so a migration interrupted
 * half-way cannot be rolled back: every step must be safe to run again (`IF NOT EXISTS`).
 */
export function mysqlMigrations(prefix: string): readonly (readonly string[])[] {
  const { sessions, tokens } = mysqlTables(prefix)
  return [
    [
      // user_agent is TEXT, not VARCHAR(255): real user agents can be longer, and a refused
      // insert would leave that visitor without a session.
      `CREATE TABLE IF NOT EXISTS ${sessions} (
  \`key\` ${KEY_COLUMN},
  \`data\` JSON NOT NULL,
  \`user_id\` VARCHAR(255) ${TEXT_COLUMN},
  \`tenant_id\` VARCHAR(255) ${TEXT_COLUMN},
  \`ip\` VARCHAR(255) ${TEXT_COLUMN},
  \`user_agent\` TEXT ${TEXT_COLUMN},
  \`created_at\` BIGINT NOT NULL,
  \`updated_at\` BIGINT NOT NULL,
  \`last_seen_at\` BIGINT NOT NULL,
  \`expires_at\` BIGINT NOT NULL,
  PRIMARY KEY (\`key\`),
  KEY \`idx_user_id\` (\`user_id\`),
  KEY \`idx_expires_at\` (\`expires_at\`)
) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS ${tokens} (
  \`key\` ${KEY_COLUMN},
  \`value\` JSON NOT NULL,
  \`expires_at\` BIGINT NOT NULL,
  PRIMARY KEY (\`key\`),
  KEY \`idx_expires_at\` (\`expires_at\`)
) ${TABLE_OPTIONS}`,
    ],
  ]
}

/** The schema version this code writes and expects: the number of migrations. */
export const MYSQL_SCHEMA_VERSION = mysqlMigrations('').length

/** The statement that records `version` in the meta table. */
export function recordVersionSql(prefix: string, version: number): string {
  const { meta } = mysqlTables(prefix)
  return `REPLACE INTO ${meta} (\`key\`, \`value\`) VALUES ('${SCHEMA_VERSION_KEY}', '${version}')`
}

/** Options of {@link mysqlSchemaSql} and {@link mysqlSchemaStatements}. */
export interface MysqlSchemaOptions {
  /**
   * The same prefix the store is given.
   * @default 'sessionkit_'
   */
  tablePrefix?: string
}

function prefixOf(options: MysqlSchemaOptions): string {
  const prefix = options.tablePrefix ?? 'sessionkit_'
  if (!MYSQL_TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new InvalidConfigError(
      'tablePrefix',
      'must be 1 to 48 letters, digits or underscores, not starting with a digit',
    )
  }
  return prefix
}

/**
 * The full schema, one statement per entry, without trailing semicolons: the meta table,
 * every migration in order, and the version row. Every statement can be run again safely.
 */
export function mysqlSchemaStatements(options: MysqlSchemaOptions = {}): string[] {
  const prefix = prefixOf(options)
  return [
    metaTableSql(prefix),
    ...mysqlMigrations(prefix).flat(),
    recordVersionSql(prefix, MYSQL_SCHEMA_VERSION),
  ]
}

/**
 * The full schema as one SQL script (statements ended by `;`), for your own migration tool.
 * Apply it, then build the store with `migrate: false`. The same text is in
 * docs/stores.md (MySQL section).
 *
 * @example
 * ```ts
 * import { mysqlSchemaSql } from 'sessionkit/stores/mysql'
 * writeFileSync('migrations/001_sessions.sql', mysqlSchemaSql({ tablePrefix: 'app_' }))
 * ```
 */
export function mysqlSchemaSql(options: MysqlSchemaOptions = {}): string {
  return `${mysqlSchemaStatements(options).join(';\n\n')};\n`
}
