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
      /^Express, memory: sessionkit vs express-session|^Express, memory, read|^sessionkit\/express \+ memory|^Express, (Redis|PostgreSQL|SQLite): sessionkit vs/,
    text:
      'Express reads: the floor is Express itself. bench/express/floor.ts is a middleware that ' +
      'does only what any signed, hashed-at-rest session must on a read (parse the Cookie ' +
      'header, check an HMAC-SHA256, SHA-256 the ID, a Map get, JSON.parse, one req.session ' +
      'property, and hold the response to compare the JSON at its end); measured by ' +
      'bench/express/in-process.ts (CPU per read, two runs) it reaches 64–70 % of bare Express, ' +
      'sessionkit/express 53–55 % and express-session 38–40 %. So 85 % of bare Express is out of ' +
      'reach for any session layer that does that work, and 1.5× express-session (about 58 % of ' +
      'bare Express) is within 10–15 % of the floor. What this session found and fixed: Express ' +
      'swaps every ' +
      "request's and response's prototype, after which V8 gives each property added to those " +
      'objects a hidden class of its own (measured: ~4 µs per property, plus garbage); ' +
      'sessionkit added seven (req.sessionID, req.sessionStore, four gate methods on res, ' +
      'req.session) and now adds one (req.session, which `delete req.session` must be able to ' +
      'remove): +18 % on reads. express-session adds five.',
  },
  {
    matches: /of its framework without sessions/,
    text:
      'Adapters against their bare framework: the no-session apps answer a constant in 20–35 µs ' +
      '(node:http, Hono, Koa, Fastify), so 80 % leaves 5–9 µs for the whole session layer, while ' +
      "checking the cookie's HMAC-SHA256 alone takes ~2 µs and hashing the ID ~0.4 µs; a profile " +
      'of sessionkit/node reads puts the rest in cookie parsing, the store get with its JSON copy, ' +
      'expiry checks and the response gate, no single hotspot. Hono pays more on responses that ' +
      "carry a cookie (new sessions, writes): @hono/node-server sends a handler's Response without " +
      'building a real one, but adding Set-Cookie needs a copy of the Response, which builds it ' +
      "(a ReadableStream body); changing the handler's Response in place would be faster and is " +
      "not done, because a Response an app reuses across requests would then carry one visitor's " +
      'cookie to the next.',
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
      'Writes and new sessions through sessionkit/express: this session removed the save ' +
      "path's re-validation and re-serialization of every key in the core (the adapter's JSON is " +
      'committed as it is), the core cookie the adapter threw away (a second HMAC and serialize ' +
      "per write), re-signing the same ID (the request's signed value is sent back), a second " +
      "application of the session headers at node's implicit writeHead, and the cookie " +
      'serializer (a template per attribute set). Without sockets (bench/express/in-process.ts: ' +
      'CPU time, 50 in flight, median of 40 paired rounds) sessionkit/express then takes 108 µs ' +
      "per read, 135 per write and 158 per new session against express-session's 176, 183 and " +
      '237 (bare Express 72): 1.6×, 1.4× and 1.2× before sockets. Over loopback HTTP the server ' +
      "child's CPU per read (pinned, 50 connections) was 117 µs bare, 226 sessionkit, 281 " +
      'express-session: real connections add ~45 µs to bare Express and ~110 µs to either ' +
      'session layer (objects that live across the network round trip: garbage collection was ' +
      "twice bare Express's per request in the profiles), which with Express's own cost " +
      'compresses the margin to what the table shows. A new session ' +
      "also costs a 32-byte random ID, its SHA-256 and the record's metadata (IP, user agent) in " +
      'the store, which the peers do not keep.',
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
