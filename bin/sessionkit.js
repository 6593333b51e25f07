#!/usr/bin/env node
// The `sessionkit` executable.
//
// An installed package runs the compiled CLI in dist/. A checkout of the repository (where
// src/ is present) runs the TypeScript sources through tsx, a devDependency: `npx sessionkit`
// then works right after `npm install` or `npm ci`, which do not build, and never runs a
// dist/ older than the sources. SESSIONKIT_CLI=dist (or =src) forces one or the other.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli/main.ts', import.meta.url)
const compiled = new URL('../dist/cli/main.js', import.meta.url)
const forced = process.env.SESSIONKIT_CLI

function fail(message) {
  process.stderr.write(`sessionkit: ${message}\n`)
  process.exit(1)
}

async function runSource() {
  let api
  try {
    api = await import('tsx/esm/api')
  } catch {
    return false
  }
  api.register()
  await import(source.href)
  return true
}

if (forced === 'dist') {
  if (!existsSync(compiled)) fail('dist/cli/main.js is missing; run `npm run build` first')
  await import(compiled.href)
} else if (existsSync(source) && (await runSource())) {
  // Ran from the sources.
} else if (forced !== 'src' && existsSync(compiled)) {
  await import(compiled.href)
} else {
  fail(
    'cannot start: dist/ is not built and tsx is not installed (run `npm install`, or `npm run build`)',
  )
}
