/**
 * Module hooks (see use-build.mjs): a module of src/ that resolves to its TypeScript source is
 * loaded from the build, as the .js file tsc wrote for it.
 */
let from = ''
let to = ''

export function initialize(data) {
  from = data.from
  to = data.to
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (from !== '' && result.url.startsWith(from) && result.url.endsWith('.ts')) {
    return {
      url: `${to}${result.url.slice(from.length, -3)}.js`,
      format: 'module',
      shortCircuit: true,
    }
  }
  return result
}
