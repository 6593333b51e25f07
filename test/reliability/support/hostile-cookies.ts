/**
 * fast-check arbitraries for hostile Cookie headers: random bytes and code points, huge values,
 * hundreds of cookies, bad percent-encoding, NUL and non-BMP characters, duplicated names,
 * forged signatures, and mutations of a real session cookie (so the generator also probes the
 * neighbourhood of a valid credential, not only noise).
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'

/** base64url characters, the alphabet of IDs and MACs. */
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A string of base64url characters of exactly `length`. */
export function b64urlString(length: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...B64URL), { minLength: length, maxLength: length })
    .map((chars) => chars.join(''))
}

/** Text that trips decoders: NUL, lone surrogates, non-BMP, bidi controls, quotes, separators. */
const NASTY = [
  '\u0000',
  '\ud800',
  '\udfff',
  '😀',
  '\u{10ffff}',
  '\u202e',
  '\ufeff',
  '"',
  ';',
  '=',
  ',',
  ' ',
  '\t',
  '\\',
  '%',
  '%00',
  '%zz',
  '%E0%A4%A',
  '%ff',
  '%2e%2e%2f',
  '..',
  '/',
  '\u00ff',
  '\u0085',
] as const

/** One change to a real cookie value. Every variant differs from the input. */
export function mutateValue(value: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: Math.max(0, value.length - 1) })
  const differentChar = (original: string) =>
    fc
      .oneof(fc.constantFrom(...B64URL, '.', ...NASTY), fc.string({ minLength: 1, maxLength: 2 }))
      .filter((replacement) => replacement !== original)
  return fc.oneof(
    // One character replaced.
    at.chain((i) =>
      differentChar(value[i] ?? '').map((c) => `${value.slice(0, i)}${c}${value.slice(i + 1)}`),
    ),
    // Truncated (possibly to nothing).
    at.map((i) => value.slice(0, i)),
    // Extended.
    fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }).map((tail) => `${value}${tail}`),
    // A character deleted.
    at.map((i) => `${value.slice(0, i)}${value.slice(i + 1)}`),
    // A nasty fragment inserted.
    fc
      .tuple(at, fc.constantFrom(...NASTY))
      .map(([i, c]) => `${value.slice(0, i)}${c}${value.slice(i)}`),
    // Case flipped (base64url is case-sensitive).
    at
      .filter((i) => /[A-Za-z]/.test(value[i] ?? ''))
      .map((i) => {
        const c = value[i] ?? ''
        const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()
        return `${value.slice(0, i)}${flipped}${value.slice(i + 1)}`
      }),
    // The two halves of `id.mac` swapped, or the MAC replaced by another well-formed one.
    fc.constant(value.split('.').reverse().join('.')),
    b64urlString(43).map((mac) => `${value.slice(0, value.lastIndexOf('.'))}.${mac}`),
  )
}

/** A value that looks like a sessionkit cookie but whose MAC nobody with the secret made. */
export function forgedToken(realId: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(b64urlString(43), b64urlString(43)).map(([id, mac]) => `${id}.${mac}`),
    b64urlString(43).map((mac) => `${realId}.${mac}`),
    // A MAC-shaped value for the real ID that the server's keys never made.
    fc.constant(`${realId}.${randomBytes(32).toString('base64url').slice(0, 43)}`),
    fc.constant(realId),
    fc.constant(`${realId}.`),
    fc.constant(`.${realId}`),
  )
}

/** An express-session style `s:<id>.<base64 mac>` value whose MAC is not the server's. */
export function forgedExpressToken(realId: string): fc.Arbitrary<string> {
  const base64 = `${B64URL.slice(0, 62)}+/`
  const mac = fc
    .array(fc.constantFrom(...base64), { minLength: 43, maxLength: 43 })
    .map((chars) => chars.join(''))
  return fc.oneof(
    mac.map((m) => `s:${realId}.${m}`),
    fc.tuple(b64urlString(32), mac).map(([id, m]) => `s:${id}.${m}`),
    mac.map((m) => encodeURIComponent(`s:${realId}.${m}`)),
    fc.constant(`s:${realId}`),
    fc.constant('s:'),
    fc.constant(`s:.${realId}`),
  )
}

/** Cookie names: the session's own, its near misses, and noise. */
function cookieName(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(name) },
    fc.constantFrom(name.toUpperCase(), ` ${name}`, `${name} `, `__Host-${name}`, `${name}.1`),
    fc.string({ maxLength: 12 }),
  )
}

/** Any value a cookie could carry, from plausible to absurd. */
function cookieValue(token: string, realId: string): fc.Arbitrary<string> {
  return fc.oneof(
    mutateValue(token),
    forgedToken(realId),
    forgedExpressToken(realId),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.constantFrom(...NASTY),
    // Huge values: past the 4096-byte cookie limit and the 256-character token limit.
    fc.nat({ max: 20_000 }).map((n) => 'A'.repeat(n)),
    fc.nat({ max: 6_000 }).map((n) => `${'%41'.repeat(n)}.${token}`),
  )
}

/** A whole Cookie header: hundreds of pairs, duplicated names, broken separators. */
export function hostileCookieHeader(name: string, token: string, realId: string) {
  const pair = fc
    .tuple(cookieName(name), cookieValue(token, realId), fc.constantFrom('=', '', '==', ' = '))
    .map(([n, v, eq]) => `${n}${eq}${v}`)
  const separator = fc.constantFrom('; ', ';', ' ;', ';;', ', ', '\t; ')
  return fc.oneof(
    fc
      .tuple(fc.array(pair, { minLength: 1, maxLength: 400 }), separator)
      .map(([pairs, sep]) => pairs.join(sep)),
    // Raw noise as the whole header.
    fc.uint8Array({ maxLength: 4000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.string({ maxLength: 500, unit: 'binary' }),
    // A duplicate of the session cookie in front of a mutated one, and the reverse.
    mutateValue(token).map((bad) => `${name}=${bad}; ${name}=${bad}`),
  )
}

/**
 * True when the header could legitimately carry the real credential: the exact token appears,
 * before or after percent-decoding. Only then may a load reach the seeded session or the store.
 */
export function carriesToken(header: string, token: string): boolean {
  if (header.includes(token)) return true
  try {
    return decodeURIComponent(header).includes(token)
  } catch {
    // A header that is not valid percent-encoding as a whole may still decode cookie by cookie.
    return header.split(/[;,]/).some((part) => {
      try {
        return decodeURIComponent(part).includes(token)
      } catch {
        return false
      }
    })
  }
}
