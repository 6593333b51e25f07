/**
 * What is known to limit a target when it is missed, from profiles (node --cpu-prof) of the
 * benchmark; printed under the targets in RESULTS.md for the missed ones only. Keep each note
 * to what was measured, and drop it once the cause is fixed.
 * @module
 */

export interface MissedNote {
  /** Which targets (by their text) the note explains. */
  matches: RegExp
  text: string
}

export const MISSED_NOTES: readonly MissedNote[] = [
  {
    matches: /^read with touchAfter/,
    text:
      'sessionkit/express on PostgreSQL patches the session on every read. On save, ' +
      '`KitEntry#sync` (src/adapters/express/kit-backend.ts) sets the `cookie` key from a fresh ' +
      'Cookie object, and the core session compares values by their JSON text; PostgreSQL ' +
      'returns the stored jsonb with its keys reordered (shorter keys first), so the cookie always ' +
      'looks changed there and the read becomes a write. The memory, SQLite and Redis stores keep ' +
      'key order and write nothing. Comparing the cookie by value (or by its fields in a fixed ' +
      'order) would make PostgreSQL reads free too, and lift its read rate.',
  },
  {
    matches:
      /^Express, memory: sessionkit vs express-session|^Express, memory, read|^sessionkit\/express \+ memory/,
    text:
      'Express on memory, reads: a profile of the server child (node --cpu-prof, 10 s of GET ' +
      '/read at 50 connections, on a busy machine) shows no single hotspot: the adapter ' +
      '(src/adapters/express, ~5 % of samples), the response gate (node-gate.ts, ~2 %), an HMAC ' +
      'check and a SHA-256 of the ID per request (node:crypto, ~3 %), strict JSON decoding ' +
      '(core/json.ts), and garbage collection (~9 %, more per request than express-session). The ' +
      'bare Express app does none of this per request, which is why 85 % of it is far off.',
  },
  {
    matches: /of its framework without sessions/,
    text:
      'Adapters against their bare framework: the no-session apps answer a constant, so any ' +
      'session layer is a large share of the request (the peers measure about as far from their ' +
      'bare framework: express-session, @fastify/session). The costs are those listed for Express ' +
      'above, common to every adapter (cookie parsing, HMAC, SHA-256, store get with a JSON copy, ' +
      'commit bookkeeping, the response gate).',
  },
  {
    matches: /^Fastify, memory: sessionkit vs @fastify\/session/,
    text:
      '@fastify/session on reads with rolling: false does a Map get and a cookie unsign; sessionkit ' +
      'also hashes the ID (SHA-256, IDs are hashed at rest), copies the data out of the memory ' +
      "store's JSON text, and checks idle and absolute expiry.",
  },
  {
    matches: /^stores, /,
    text:
      'Stores short of 80 % of the raw driver: see "Where the time goes" in bench/README.md: ' +
      'per-call timers and promise wrappers around each round trip cost client CPU, which on a ' +
      '2-core machine is taken from the server; a result within a few points of 80 % moves ' +
      'across the line from run to run on a busy machine. The store-perf work is on it.',
  },
  {
    matches: /, write: ≥ 1\.5×|faster on read, write and new/,
    text:
      'Writes and new sessions through sessionkit/express run below their peer on every store ' +
      '(memory, Redis, PostgreSQL, SQLite alike), while sessionkit/fastify on memory writes ' +
      "faster than @fastify/session: the shortfall is in the Express adapter's save path " +
      "(src/adapters/express: kit-backend `save`, then the manager's commit), not in the stores. A " +
      'profile of POST /write on memory shows no single hotspot: strict JSON checks of the data ' +
      '(core/json.ts, ~3 % of samples), the response gate (~3 %), HMAC and Set-Cookie ' +
      'serialization, and garbage collection (~9 %). A new session also costs a 32-byte random ' +
      "ID, its SHA-256 and the record's metadata (IP, user agent) in the store, which the peers " +
      'do not keep.',
  },
  {
    matches: /^(Express|Fastify|sessionkit\/)/,
    text:
      'A bias against sessionkit in every HTTP row: the server children run sessionkit from its ' +
      'TypeScript source through tsx, whose esbuild transform keeps function names by wrapping ' +
      'closures in `__name(…)` calls; the peers run as plain JavaScript. In a profile of ' +
      "sessionkit/express writes that was 3.5 % of the server's busy time (mostly core/json.ts). " +
      'Published builds (tsc) have no such wrapper.',
  },
  {
    matches: /^sealed round trip \(~2165 B data, 16 in flight\)/,
    text:
      "With 16 in flight, iron-session's Web Crypto work runs on libuv's thread pool and gains from " +
      "the second core, while sessionkit's synchronous AES-GCM runs on one: on a machine whose " +
      'other core is busy with other work the margin on 2 KB payloads shrinks (12× in the quieter ' +
      'run analysed in bench/README.md). Unsealing spends time in a regular expression over the ' +
      'whole seal and a canonical base64url re-encode (see the README).',
  },
]
