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
      'Express on memory: profiles of the server child (node --cpu-prof, 10 s of GET /read at 50 ' +
      'connections, load average ~12, so roughly) put sessionkit/express at about 1.7× the CPU ' +
      'per request of express-session (~0.8 vs ~0.5 ms), with garbage collection at ~125 vs ' +
      '~55 µs per request. No single hotspot: the adapter (src/adapters/express: middleware, ' +
      'context `#install`, kit-backend `loaded` / `durableCookie`, ~6 % of samples), the response ' +
      'gate (node-gate.ts `ResponseGate`, ~2 %), an HMAC check and a SHA-256 of the ID per request ' +
      '(node:crypto, ~3 %), strict JSON decoding (core/json.ts). Allocation per request is the ' +
      'largest lever. The adapter-perf work is on it.',
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
    matches: /^stores, (mysql|redis)/,
    text:
      'Stores short of 80 % of the raw driver (MySQL, Redis): see "Where the time goes" in ' +
      'bench/README.md: per-call timers and promise wrappers around each round trip (withDeadline, ' +
      'a connection checkout per MySQL statement) cost client CPU, which on a 2-core machine is ' +
      'taken from the server. The store-perf work is on it.',
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
