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
import { mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Where the build goes. */
export const BUILD_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/sessionkit-bench/', import.meta.url),
)
/** A bound on the compile: it takes seconds. */
const BUILD_MS = 180_000

/** Compiles the sources under `root` (its tsconfig.build.json) into `outDir`. */
function compile(root: string, outDir: string, what: string): string {
  rmSync(outDir, { recursive: true, force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '-p',
      'tsconfig.build.json',
      '--outDir',
      outDir,
      '--declaration',
      'false',
      '--declarationMap',
      'false',
    ],
    { cwd: root, encoding: 'utf8', timeout: BUILD_MS },
  )
  if (result.status !== 0) {
    throw new Error(
      `compiling ${what} for the bench failed:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    )
  }
  return outDir
}

/** Compiles src/ into {@link BUILD_DIR}; throws with tsc's output when it fails. */
export function buildSessionkit(): string {
  return compile(ROOT, BUILD_DIR, 'sessionkit')
}

function git(args: string[]): Buffer {
  const result = spawnSync('git', args, { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 })
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed: ${result.stderr?.toString() ?? result.error}`)
  }
  return result.stdout
}

/**
 * Compiles src/ as it was at git revision `revision` (a commit, tag or `HEAD~1`), for comparing
 * two versions of sessionkit in one run (cpu.ts). Its sources and build go under
 * node_modules/.cache too, so they use the repository's dependencies.
 */
export function buildRevision(revision: string): string {
  const commit = git(['rev-parse', '--verify', `${revision}^{commit}`])
    .toString()
    .trim()
  const short = commit.slice(0, 12)
  const sources = fileURLToPath(
    new URL(`../../node_modules/.cache/sessionkit-src-${short}/`, import.meta.url),
  )
  rmSync(sources, { recursive: true, force: true })
  mkdirSync(sources, { recursive: true })
  const archive = git([
    'archive',
    '--format=tar',
    commit,
    'src',
    'tsconfig.json',
    'tsconfig.build.json',
  ])
  const extracted = spawnSync('tar', ['-x', '-C', sources], { input: archive })
  if (extracted.status !== 0) {
    throw new Error(`extracting ${revision}: ${extracted.stderr?.toString() ?? extracted.error}`)
  }
  const out = fileURLToPath(
    new URL(`../../node_modules/.cache/sessionkit-build-${short}/`, import.meta.url),
  )
  return compile(sources, out, `sessionkit at ${revision}`)
}
