/**
 * The HTTP suite's server children run sessionkit as it is published: compiled by tsc
 * (tsconfig.build.json), not its TypeScript source through tsx. tsx's transform keeps function
 * names by wrapping every function it creates in a `__name(…)` call, which costs a closure-heavy
 * request path a few per cent (3.5 % of a sessionkit/express write in a profile), while the
 * peers run as the plain JavaScript they ship. The build goes to node_modules/.cache, inside the
 * repository, so its imports of sessionkit's dependencies resolve as they would in an app.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Where the build goes. */
export const BUILD_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/sessionkit-bench/', import.meta.url),
)
/** A bound on the compile: it takes seconds. */
const BUILD_MS = 180_000

/** Compiles src/ into {@link BUILD_DIR}; throws with tsc's output when it fails. */
export function buildSessionkit(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '-p',
      'tsconfig.build.json',
      '--outDir',
      BUILD_DIR,
      '--declaration',
      'false',
      '--declarationMap',
      'false',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: BUILD_MS },
  )
  if (result.status !== 0) {
    throw new Error(
      `compiling sessionkit for the bench failed:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    )
  }
  return BUILD_DIR
}
