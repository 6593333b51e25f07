/**
 * `node --import ./bench/http/use-build.mjs`, after `--import tsx`: when BENCH_BUILD names a
 * build of sessionkit (build.ts), every import of the repository's src/ is served from that
 * build instead, so a server child runs the compiled package and never two copies of a module.
 */
import { register } from 'node:module'
import { pathToFileURL } from 'node:url'

const build = process.env.BENCH_BUILD
if (build !== undefined && build !== '') {
  register('./build-hooks.mjs', import.meta.url, {
    data: {
      from: new URL('../../src/', import.meta.url).href,
      to: pathToFileURL(build.endsWith('/') ? build : `${build}/`).href,
    },
  })
}
