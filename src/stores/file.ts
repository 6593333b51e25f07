/**
 * `sessionkit/stores/file`: sessions as JSON files in a directory, safe for several processes
 * on one machine. See {@link FileStore}.
 * @module
 */
export type { FileStoreOptions } from './file/options.js'
export { FileStore } from './file/store.js'
