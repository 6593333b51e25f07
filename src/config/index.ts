/**
 * Configuration from sessionkit.config.yaml / .json and SESSIONKIT_* variables.
 * @module
 */

export { createFromConfig, managerOptionsFrom } from './create.js'
export { CONFIG_FILE_ENV, ENV_SETTINGS, type EnvSetting } from './env.js'
export {
  CONFIG_FILE_NAMES,
  type ConfigSources,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './load.js'
export { type CookieConfig, DEFAULT_STORE_URL, type SessionkitConfig } from './schema.js'
