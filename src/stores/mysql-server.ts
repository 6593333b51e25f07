/**
 * Which server the store talks to. MySQL and MariaDB share the wire protocol and almost all
 * the SQL the store needs; the one difference it acts on is `DELETE … RETURNING` (MariaDB
 * 10.5 and later), which makes consuming a token one statement instead of a transaction.
 * @module
 */

/** The server family, from `SELECT VERSION()`. */
export type MysqlFlavour = 'mysql' | 'mariadb'

/** What the store knows about its server after the first connection. */
export interface ServerInfo {
  flavour: MysqlFlavour
  /** As the server reports it, e.g. `10.11.6-MariaDB` or `8.0.36`. */
  version: string
  /** True when `DELETE … RETURNING` is available (MariaDB 10.5+). */
  returning: boolean
}

/**
 * Tests only: an option key that makes the store act as if it talked to the given flavour,
 * so the MySQL 8 code path (a transaction for token consume) runs against MariaDB too. Both
 * paths are valid SQL on MariaDB. Not part of the public options on purpose.
 */
export const FORCE_FLAVOUR: unique symbol = Symbol('sessionkit.mysql.forceFlavour')

/** Options that may carry {@link FORCE_FLAVOUR}. */
export interface FlavourOverride {
  [FORCE_FLAVOUR]?: MysqlFlavour
}

/** Reads the server's `VERSION()` string; `forced` overrides the detected flavour. */
export function describeServer(version: string, forced?: MysqlFlavour): ServerInfo {
  const detected: MysqlFlavour = /mariadb/i.test(version) ? 'mariadb' : 'mysql'
  const flavour = forced ?? detected
  // Through some proxies MariaDB reports `5.5.5-10.11.6-MariaDB`: the real version is the
  // one in front of `-MariaDB`.
  const match = /(\d+)\.(\d+)\.\d+-MariaDB/i.exec(version) ?? /(\d+)\.(\d+)/.exec(version)
  const major = Number(match?.[1] ?? 0)
  const minor = Number(match?.[2] ?? 0)
  const returning = flavour === 'mariadb' && (major > 10 || (major === 10 && minor >= 5))
  return { flavour, version, returning }
}
