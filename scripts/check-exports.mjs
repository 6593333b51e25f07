// After `npm run build`: every subpath in package.json "exports" must resolve to built files
// (types first) and import cleanly through the package's own name, as a user's code would.
import { existsSync, readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
let failures = 0
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue
  const keys = Object.keys(target)
  if (keys[0] !== 'types') {
    console.error(`${subpath}: "types" must come first`)
    failures++
  }
  for (const file of Object.values(target)) {
    if (!existsSync(new URL(`../${file}`, import.meta.url))) {
      console.error(`${subpath}: ${file} is missing`)
      failures++
    }
  }
  const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`
  try {
    const mod = await import(specifier)
    console.log(`ok ${specifier}: ${Object.keys(mod).length} exports`)
  } catch (error) {
    console.error(`${specifier}: import failed: ${error.message}`)
    failures++
  }
}
process.exit(failures === 0 ? 0 : 1)
