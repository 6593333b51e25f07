/**
 * The openStore factory for `mysql://` and `mariadb://` URLs. The store reads its own options
 * from the query and hands every other parameter to mysql2.
 * @module
 */

import type { Store } from '../core/store.js'
import { MysqlStore } from './mysql.js'
import { mysqlUrlOf } from './mysql-url.js'
import type { StoreUrl } from './store-url.js'

/**
 * A MysqlStore for `mysql://user:password@host:3306/database?tablePrefix=app_&queryTimeout=2s`.
 * Throws InvalidConfigError for a URL it cannot use; MissingDependencyError without mysql2.
 */
export function openMysqlUrl(url: StoreUrl): Store {
  return new MysqlStore({ url: mysqlUrlOf(url) })
}
