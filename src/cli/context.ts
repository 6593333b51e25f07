/**
 * What every command shares: the global options, the configuration (loaded once, only when
 * needed) and opening the store a command works on.
 * @module
 */

import { existsSync } from 'node:fs'
import type { Environment } from '../config/env.js'
import { type LoadedConfig, loadConfig } from '../config/load.js'
import { CapabilityUnsupportedError } from '../core/errors.js'
import type { Store, StoreCapabilities } from '../core/store.js'
import { openStore } from '../stores/open-store.js'
import { localPath, parseStoreUrl } from '../stores/store-url.js'
import { CliError, EXIT, usageError } from './errors.js'
import type { CliIo } from './output.js'

/** The options every command accepts. */
export interface GlobalOptions {
  store?: string
  config?: string
  debug?: boolean
}

/** How a command opens a store. */
export interface OpenOptions {
  /**
   * Refuse a `sqlite:` or `file:` store that does not exist yet, instead of creating an empty
   * one: reading or revoking sessions in a store that is not there is a mistake (a wrong path).
   */
  mustExist: boolean
  /** Accept `memory:` (only doctor does: a memory store in the CLI holds none of the app's sessions). */
  allowMemory?: boolean
}

/** The state one CLI invocation carries. */
export class CliContext {
  readonly io: CliIo
  readonly globals: GlobalOptions
  readonly env: Environment
  readonly cwd: string
  #config: LoadedConfig | undefined

  constructor(globals: GlobalOptions, io: CliIo, env: Environment, cwd: string) {
    this.globals = globals
    this.io = io
    this.env = env
    this.cwd = cwd
  }

  /** The configuration (file and SESSIONKIT_*), loaded on first use. */
  config(): LoadedConfig {
    this.#config ??= loadConfig({
      cwd: this.cwd,
      env: this.env,
      ...(this.globals.config === undefined ? {} : { file: this.globals.config }),
    })
    return this.#config
  }

  /** `--store`, else the configuration's store (whose default is the embedded SQLite file). */
  storeUrl(): string {
    return this.globals.store ?? this.config().store
  }

  /** Opens `url` for a command. The caller closes it (see {@link withStore}). */
  openStore(url: string, options: OpenOptions): Store {
    const parsed = parseStoreUrl(url)
    if (parsed.scheme === 'memory' && !options.allowMemory) {
      throw usageError(
        "a memory: store lives inside one process, so the CLI cannot see an application's sessions; use the store the application uses",
      )
    }
    if (options.mustExist && (parsed.scheme === 'sqlite' || parsed.scheme === 'file')) {
      const path =
        parsed.scheme === 'sqlite' && parsed.body === ':memory:' ? null : localPath(parsed)
      if (path !== null && !existsSync(path)) {
        throw new CliError(
          'SESSIONKIT_STORE_UNAVAILABLE',
          `there is no ${parsed.scheme} store at ${path}; check the path, --store or SESSIONKIT_STORE`,
          EXIT.failure,
        )
      }
    }
    return openStore(url)
  }

  /** Runs `work` on the command's store (`--store` or the configuration), then closes it. */
  async withStore<T>(options: OpenOptions, work: (store: Store) => Promise<T>): Promise<T> {
    const store = this.openStore(this.storeUrl(), options)
    try {
      return await work(store)
    } finally {
      await store.close().catch(() => {})
    }
  }
}

/** Throws CapabilityUnsupportedError (exit 2) when `store` does not declare `capability`. */
export function requireCapability(
  store: Store,
  capability: keyof StoreCapabilities,
  feature: string,
): void {
  if (!store.capabilities[capability]) throw new CapabilityUnsupportedError(store.name, feature)
}
