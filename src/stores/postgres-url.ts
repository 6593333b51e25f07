/**
 * `openStore('postgres://…')`: the store's options come out of the query, everything else in
 * the URL goes to pg untouched (host, credentials, database, `sslmode`, `application_name`…).
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import type { Store } from '../core/store.js'
import { PostgresStore } from './postgres.js'
import { readParams, type StoreUrl } from './store-url.js'

/** The query parameters that are store options rather than pg connection parameters. */
const OPTION_PARAMS = {
  schema: 'string',
  tablePrefix: 'string',
  connectTimeout: 'duration',
  queryTimeout: 'duration',
  migrate: ['true', 'false'],
  preparedStatements: ['true', 'false'],
} as const

/**
 * Builds a PostgresStore from a `postgres:` or `postgresql:` URL. The URL handed to pg is the
 * original one minus the store's own parameters.
 */
export function openPostgres(url: StoreUrl): Store {
  if (!url.body.startsWith('//')) {
    throw new InvalidConfigError(
      'store',
      `a ${url.scheme}: URL names a server, e.g. "${url.scheme}://user@host:5432/database"`,
    )
  }
  const ours = new Map<string, string>()
  const passed = new URLSearchParams()
  for (const [name, value] of url.params) {
    if (Object.hasOwn(OPTION_PARAMS, name)) ours.set(name, value)
    else passed.append(name, value)
  }
  const { migrate, preparedStatements, ...options } = readParams(
    { ...url, params: ours },
    OPTION_PARAMS,
  )
  const query = passed.size > 0 ? `?${passed.toString()}` : ''
  return new PostgresStore({
    ...options,
    ...(migrate === undefined ? {} : { migrate: migrate === 'true' }),
    ...(preparedStatements === undefined
      ? {}
      : { preparedStatements: preparedStatements === 'true' }),
    url: `${url.scheme}:${url.body}${query}`,
  })
}
