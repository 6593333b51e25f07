/**
 * A corpus of session IDs a client might choose: path traversal (plain, percent-encoded, double
 * encoded, Windows and UNC paths, device names), NUL bytes, huge values, the wrong alphabet or
 * length, look-alike Unicode, injection strings. None has the shape of an ID sessionkit issues
 * (43 base64url characters), so none may ever reach a store or the filesystem.
 */
const BASE: readonly string[] = [
  '',
  ' ',
  '.',
  '..',
  '../',
  '../../etc/passwd',
  '../../../../../../etc/shadow',
  '..%2f..%2fetc%2fpasswd',
  '..%252f..%252fetc',
  '%2e%2e%2f%2e%2e%2f',
  '..\\..\\windows\\win.ini',
  'C:\\Windows\\System32\\config\\SAM',
  'c:/windows/win.ini',
  '\\\\server\\share\\file',
  '//server/share',
  '/etc/passwd',
  '/dev/zero',
  '/proc/self/environ',
  'file:///etc/passwd',
  'CON',
  'NUL',
  'aux.json',
  'COM1',
  '....//....//',
  '.\\.\\',
  'a/b',
  'a\\b',
  'a\u0000b',
  '\u0000'.repeat(43),
  `${'A'.repeat(42)}\u0000`,
  'A'.repeat(42),
  'A'.repeat(44),
  'A'.repeat(256),
  'A'.repeat(4096),
  'A'.repeat(100_000),
  `${'A'.repeat(42)}=`,
  `${'A'.repeat(42)}+`,
  `${'A'.repeat(42)}/`,
  `${'A'.repeat(41)}..`,
  `${'A'.repeat(42)} `,
  ` ${'A'.repeat(42)}`,
  `${'A'.repeat(42)}\n`,
  `${'A'.repeat(42)}*`,
  `${'A'.repeat(42)}%`,
  `${'A'.repeat(40)}%41`,
  '%41'.repeat(43),
  'é'.repeat(43),
  '😀'.repeat(43),
  '\ud800'.repeat(43),
  'Ａ'.repeat(43),
  `${'A'.repeat(42)}а`,
  `\u202e${'A'.repeat(42)}`,
  `\ufeff${'A'.repeat(42)}`,
  "' OR '1'='1",
  "'; DROP TABLE sessionkit_sessions; --",
  '{"$gt":""}',
  '*',
  '%',
  '_',
  '?',
  '#',
  'sess:*',
  // Log4Shell-style lookup text, kept out of a template literal on purpose.
  ['$', '{jndi:ldap://x}'].join(''),
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  '0',
  '-1',
  'NaN',
  'true',
]

/** Percent-encoding of `value`; a lone surrogate cannot be encoded and is kept as it is. */
export function percentEncoded(value: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    return value
  }
}

/** Each base entry as it is, percent-encoded, wrapped in a path, and padded to 43 characters. */
export function malformedIds(): string[] {
  const variants = BASE.flatMap((value) => [
    value,
    percentEncoded(value),
    `../${value}`,
    `${value}/../../x`,
    value.length < 43 ? value.padEnd(43, '/') : value.slice(0, 42),
  ])
  // Only values that are not the shape of an issued ID: that shape is what the corpus must miss.
  return [...new Set(variants)].filter((value) => !/^[A-Za-z0-9_-]{43}$/.test(value))
}
